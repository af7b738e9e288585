/**
 * Generates the app icons (PNG, no dependencies: zlib + a CRC) — a white heart with an ECG
 * trace on crimson. Run once: `npx tsx pwa/scripts/icons.ts`; the PNGs are committed.
 */
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf: Buffer) => {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(td))
  return Buffer.concat([len, td, crc])
}

function png(size: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((size * 3 + 1) * size)
  for (let y = 0; y < size; y++) {
    raw[y * (size * 3 + 1)] = 0
    for (let x = 0; x < size; x++) {
      const [r, g, b] = pixel(x, y)
      const o = y * (size * 3 + 1) + 1 + x * 3
      raw[o] = r
      raw[o + 1] = g
      raw[o + 2] = b
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8
  ihdr[9] = 2
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const CRIMSON: [number, number, number] = [159, 18, 57]
const WHITE: [number, number, number] = [255, 255, 255]

/** Heart curve (x²+y²−1)³ − x²y³ ≤ 0, scaled by `scale` of the icon; ECG zig-zag across it. */
function icon(size: number, scale: number): Buffer {
  return png(size, (px, py) => {
    const x = ((px / size - 0.5) * 2.6) / scale
    const y = (-(py / size - 0.52) * 2.6) / scale
    const heart = (x * x + y * y - 1) ** 3 - x * x * y ** 3 <= 0
    // ECG trace: flat, spike up, spike down, flat (in heart coordinates).
    const ecgY =
      x < -0.35
        ? 0.1
        : x < -0.15
          ? 0.1 + (x + 0.35) * 3
          : x < 0.05
            ? 0.7 - (x + 0.15) * 5
            : x < 0.2
              ? -0.3 + (x - 0.05) * 2.7
              : 0.1
    const onTrace = Math.abs(y - ecgY) < 0.07 / scale && Math.abs(x) < 0.8
    if (heart) return onTrace ? CRIMSON : WHITE
    return CRIMSON
  })
}

const out = path.join(import.meta.dirname, '../public/icons')
fs.mkdirSync(out, { recursive: true })
fs.writeFileSync(path.join(out, 'icon-192.png'), icon(192, 0.9))
fs.writeFileSync(path.join(out, 'icon-512.png'), icon(512, 0.9))
// Maskable: keep the heart inside the 80 % safe zone.
fs.writeFileSync(path.join(out, 'maskable-512.png'), icon(512, 0.65))
console.log('icons written to', out)
