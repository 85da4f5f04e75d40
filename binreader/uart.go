package binreader

import (
	"fmt"
	"math"
)

// MaxRateError is how far from the rate asked for a divisor may leave the
// line: beyond 2 % the bits drift out of their sampling points before a
// character ends.
const MaxRateError = 0.02

// ScaleDivisor is the divisor for rate to on a UART of kind whose
// divisor old gives rate from (U-Boot set it, from a clock the host does
// not know): a 16550's divides its clock by 16 d, a PL011's, in 64ths,
// by d / 4 (IBRD.FBRD), so both scale as old * from / to; an AR933x's
// step and scale tell its clock. It fails when no divisor the UART takes
// gives to within MaxRateError.
func ScaleDivisor(kind int, old uint32, from, to int) (uint32, error) {
	if old == 0 || kind == UARTAR933x && old&0xffff == 0 {
		return 0, fmt.Errorf("the UART's divisor is %#x (U-Boot left it unset): no rate to scale from", old)
	}
	if kind == UARTAR933x {
		scale, step := float64(old>>16+1), float64(old&0xffff)
		return ar933xClock(float64(from)*scale*ar933xUnit/step, to)
	}
	return divisor(kind, float64(old)*float64(from), to)
}

// DivisorFor is the divisor for rate to on a UART of kind whose clock
// runs at clock Hz.
func DivisorFor(kind int, clock uint64, to int) (uint32, error) {
	if kind == UARTAR933x {
		return ar933xClock(float64(clock), to)
	}
	per := float64(clock) / 16 // a 16550 divides by 16 d
	if kind == UARTPL011 {
		per = float64(clock) * 4 // in 64ths of 16
	}
	return divisor(kind, per, to)
}

// divisor is the divisor nearest per / to, where per is the UART's
// rate at divisor 1.
func divisor(kind int, per float64, to int) (uint32, error) {
	exact := per / float64(to)
	d := math.Round(exact)
	least, most := 1.0, 65535.0 // a 16550's DLM:DLL
	if kind == UARTPL011 {
		least, most = 64, 65535*64+63 // IBRD of 1 to 65535
	}
	if d < least || d > most {
		return 0, fmt.Errorf("%d baud needs a divisor of %.3g, and the UART takes %g to %g", to, exact, least, most)
	}
	got := per / d
	if e := math.Abs(got-float64(to)) / float64(to); e > MaxRateError {
		return 0, fmt.Errorf("%d baud: the nearest divisor gives %.0f baud, %.1f %% off (at most %.0f %%)", to, got, 100*e, 100*MaxRateError)
	}
	return uint32(d), nil
}

// An AR933x's rate is clock * step / ((scale + 1) * ar933xUnit), with a
// scale of 0 to 255 and a step of at most ar933xMaxStep (the limit its
// vendor's U-Boot and Linux's driver keep to).
const (
	ar933xUnit    = 1 << 17
	ar933xMaxStep = 0x3333
)

// ar933xClock is the clock register (scale << 16 | step) whose rate is
// nearest to on an AR933x clocked at clock Hz.
func ar933xClock(clock float64, to int) (uint32, error) {
	var best uint32
	bestErr := math.Inf(1)
	for scale := 0; scale < 256; scale++ {
		step := math.Round(float64(to) * float64(scale+1) * ar933xUnit / clock)
		if step > ar933xMaxStep {
			break
		}
		if step < 1 {
			continue
		}
		got := clock * step / (float64(scale+1) * ar933xUnit)
		if e := math.Abs(got-float64(to)) / float64(to); e < bestErr {
			best, bestErr = uint32(scale)<<16|uint32(step), e
		}
	}
	switch {
	case math.IsInf(bestErr, 1):
		return 0, fmt.Errorf("%d baud is beyond the UART's reach at a %.0f Hz clock", to, clock)
	case bestErr > MaxRateError:
		return 0, fmt.Errorf("%d baud: the nearest scale and step are %.1f %% off (at most %.0f %%)", to, 100*bestErr, 100*MaxRateError)
	}
	return best, nil
}
