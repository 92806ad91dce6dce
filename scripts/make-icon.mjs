// `node scripts/make-icon.mjs [out.png]`: draws the Parigot Studio icon (a parrot-green rounded
// square with a white "P" and a yellow dot) and writes it as a 1024x1024 RGBA PNG, by default
// to resources/icon.png. electron-builder derives the macOS .icns and the Windows .ico from
// this one file, so it is the only icon kept in the repository.
//
// Only node:zlib is used (deflate and crc32), so the icon can be regenerated on any machine with
// Node and no extra packages. The output is byte-for-byte deterministic; a test regenerates it
// and compares it with the committed file.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { crc32, deflateSync } from 'node:zlib'

const SIZE = 1024
// Each pixel is the average of SAMPLES x SAMPLES points, which anti-aliases every edge.
const SAMPLES = 4

// The body follows Apple's icon grid (824 of 1024 pixels, corner radius 185), so the icon looks
// the same size as the other apps in the macOS Dock; other platforms show it as is.
const BODY_MIN = 100 / SIZE
const BODY_MAX = 924 / SIZE
const BODY_RADIUS = 185 / SIZE

const GREEN_TOP = [64, 186, 92]
const GREEN_BOTTOM = [22, 128, 61]
const WHITE = [255, 255, 255]
const YELLOW = [255, 204, 51]

function insideRoundedSquare(x, y) {
  if (x < BODY_MIN || x > BODY_MAX || y < BODY_MIN || y > BODY_MAX) return false
  const cx = Math.min(Math.max(x, BODY_MIN + BODY_RADIUS), BODY_MAX - BODY_RADIUS)
  const cy = Math.min(Math.max(y, BODY_MIN + BODY_RADIUS), BODY_MAX - BODY_RADIUS)
  return (x - cx) ** 2 + (y - cy) ** 2 <= BODY_RADIUS ** 2
}

// The "P": a stem plus a bowl made of a rectangle and a right half-disc, with the counter
// (the hole) cut out the same way, smaller.
const STEM_LEFT = 0.33
const STEM_RIGHT = 0.45
const BOWL_X = 0.52
const BOWL_Y = 0.43
const BOWL_OUTER = 0.17
const BOWL_INNER = 0.085

function insideDShape(x, y, radius) {
  if (y < BOWL_Y - radius || y > BOWL_Y + radius) return false
  if (x <= BOWL_X) return true
  return (x - BOWL_X) ** 2 + (y - BOWL_Y) ** 2 <= radius ** 2
}

function insideP(x, y) {
  const stem = x >= STEM_LEFT && x <= STEM_RIGHT && y >= BOWL_Y - BOWL_OUTER && y <= 0.78
  const bowl = x >= STEM_LEFT && insideDShape(x, y, BOWL_OUTER)
  const counter = x > STEM_RIGHT && insideDShape(x, y, BOWL_INNER)
  return stem || (bowl && !counter)
}

function insideDot(x, y) {
  return (x - 0.68) ** 2 + (y - 0.71) ** 2 <= 0.065 ** 2
}

/** Colour and coverage (0..1) of one sample point, in unit coordinates. */
function sample(x, y) {
  if (!insideRoundedSquare(x, y)) return null
  if (insideP(x, y)) return WHITE
  if (insideDot(x, y)) return YELLOW
  const t = (y - BODY_MIN) / (BODY_MAX - BODY_MIN)
  return GREEN_TOP.map((top, i) => top + (GREEN_BOTTOM[i] - top) * t)
}

export function drawIcon(size = SIZE) {
  // One filter byte (0 = none) before each row, as PNG requires.
  const raw = Buffer.alloc((size * 4 + 1) * size)
  for (let py = 0; py < size; py++) {
    const row = py * (size * 4 + 1)
    for (let px = 0; px < size; px++) {
      let r = 0
      let g = 0
      let b = 0
      let covered = 0
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const colour = sample(
            (px + (sx + 0.5) / SAMPLES) / size,
            (py + (sy + 0.5) / SAMPLES) / size,
          )
          if (colour === null) continue
          r += colour[0]
          g += colour[1]
          b += colour[2]
          covered++
        }
      }
      const at = row + 1 + px * 4
      if (covered > 0) {
        // Colours are averaged over covered samples only; coverage goes into alpha, so edges
        // blend with whatever is behind the icon instead of with black.
        raw[at] = Math.round(r / covered)
        raw[at + 1] = Math.round(g / covered)
        raw[at + 2] = Math.round(b / covered)
        raw[at + 3] = Math.round((covered / (SAMPLES * SAMPLES)) * 255)
      }
    }
  }
  return encodePng(size, size, raw)
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typeAndData))
  return Buffer.concat([length, typeAndData, crc])
}

function encodePng(width, height, filteredRows) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bits per channel
  header[9] = 6 // colour type: RGBA
  header[10] = 0 // compression: deflate
  header[11] = 0 // filter method 0
  header[12] = 0 // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filteredRows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? fileURLToPath(new URL('../resources/icon.png', import.meta.url))
  writeFileSync(out, drawIcon())
  console.log(`wrote ${out}`)
}
