package profile

import (
	"context"
	"encoding/binary"

	"github.com/bootdump/bootdump/console"
	"github.com/bootdump/bootdump/dialect"
)

// Bootloader is p's registry entry: a bootloader described by data.
func Bootloader(p *Profile, summary string) dialect.Bootloader {
	return dialect.Bootloader{
		Name: p.Name, Title: p.Title, Summary: summary,
		Traits: p.Traits, Banners: p.Banners,
		Open: func(ctx context.Context, con *console.Console, link *dialect.Link, opt dialect.Options) (dialect.Session, error) {
			return Open(ctx, con, link, p, opt)
		},
		Lines: func(order binary.ByteOrder) []dialect.LineParser {
			if p.Order != nil {
				order = p.Order
			}
			var out []dialect.LineParser
			for _, r := range p.Reads {
				out = append(out, r.Line(order))
			}
			return out
		},
		LineOrder: p.Order,
	}
}
