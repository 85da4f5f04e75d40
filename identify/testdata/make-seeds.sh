#!/usr/bin/env bash
# Makes the small images that seed the identify fuzz targets, with the real
# tools (u-boot-tools, squashfs-tools, genromfs, mtd-utils, util-linux-extra,
# device-tree-compiler, xz-utils, gcc). The outputs are committed; run this
# only to remake them.
set -euo pipefail
out="$(cd "$(dirname "$0")" && pwd)/seeds"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
mkdir -p root/etc
printf 'hostname=cam\nuser=admin\n' > root/etc/config
printf 'hello from the seed file system\n' > root/hello.txt
seq 1 400 > data.txt
gzip -9 -n -c data.txt > "$out/gzip.bin"
xz -c data.txt > "$out/xz.bin"
lzma -c data.txt > "$out/lzma.bin"
mkimage -A arm -O linux -T kernel -C gzip -a 0x80008000 -e 0x80008000 -n seed -d "$out/gzip.bin" "$out/uimage.bin" >/dev/null
printf '/dts-v1/;\n/ { model = "seed"; compatible = "seed,board"; cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; }; }; };\n' > board.dts
dtc -I dts -O dtb -o "$out/fdt.bin" board.dts
cp "$out/gzip.bin" data.gz
cp "$out/fdt.bin" board.dtb
printf '/dts-v1/;\n/ { description = "seed"; #address-cells = <1>; images { k { data = /incbin/("data.gz"); type = "kernel"; arch = "arm"; os = "linux"; compression = "gzip"; hash-1 { algo = "crc32"; }; hash-2 { algo = "sha256"; }; }; f { data = /incbin/("board.dtb"); type = "flat_dt"; compression = "none"; hash-1 { algo = "sha1"; }; }; }; configurations { default = "c"; c { kernel = "k"; fdt = "f"; }; }; };\n' > fit.its
mkimage -f fit.its "$out/fit.bin" >/dev/null
mksquashfs root "$out/squashfs.bin" -noappend -all-root -quiet >/dev/null
genromfs -d root -f "$out/romfs.bin" -V seed
/sbin/mkfs.cramfs root "$out/cramfs.bin" >/dev/null
mkfs.jffs2 -r root -o "$out/jffs2.bin" -e 0x1000 -l
printf '[v]\nmode=ubi\nimage=data.txt\nvol_id=0\nvol_type=static\nvol_name=data\n' > ubi.ini
ubinize -o "$out/ubi.bin" -p 16KiB -m 512 -s 256 ubi.ini
printf 'bootcmd=bootm 0x9f020000\nbootdelay=1\nmtdparts=mtdparts=seed:64k(boot),-(rest)\n' > env.txt
mkenvimage -s 0x400 -o "$out/uboot-env.bin" env.txt
printf 'void _start(void) { for (;;) ; }\n' > tiny.c
gcc -Os -nostdlib -static -s -Wl,--build-id=none -o "$out/elf.bin" tiny.c
ls -l "$out"
