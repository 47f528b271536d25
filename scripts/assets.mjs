// Builds the static files Condiviso serves, into platform/condiviso/static/build/ (git-ignored).
// Run by scripts/setup whenever one of its inputs changes (docs/decisions/0015):
//
//   condiviso.css  the Titillium Web faces, then Bootstrap Italia compiled from its Sass sources
//                  (only the parts listed in platform/condiviso/assets/bootstrap-italia.scss)
//                  and static/condiviso.css, with every selector that no template of the core
//                  or of a plugin uses removed (PurgeCSS);
//   icons.svg      the sprite sheet with only the icons in platform/condiviso/assets/icons.txt
//                  and those the templates name (#it-...);
//   fonts/         the WOFF2 faces the CSS declares;
//   and every other file under static/ (vendor/ included), copied.
//
// Each file gets a content hash in its name, text files a .gz and a .br beside them, and
// build/manifest.json maps each logical name (what templates pass to url_for('static')) to it.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import zlib from 'node:zlib'

import { PurgeCSS } from 'purgecss'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const at = (...parts) => path.join(root, ...parts)
const staticDir = at('platform/condiviso/static')
const buildDir = path.join(staticDir, 'build')
const sources = at('platform/condiviso/assets')
const italia = at('node_modules/bootstrap-italia')

const TEMPLATES = ['platform/condiviso/templates/**/*.html', 'plugins/*/templates/**/*.html']
// Classes that templates build from pieces (alert-{{ category }}) or that only appear at run time.
const SAFELIST = {
  standard: [/^alert-(danger|success|info|warning)$/, 'active', 'is-invalid', 'show'],
}
// The faces the pages use. No light (300) face: Bootstrap Italia's .lead then shows in the
// regular weight, easier to read and one download fewer. font-display: optional: a face that
// has not arrived within the browser's short wait is not swapped in later (the text would jump
// under the reader's eyes and fingers); the page uses the fallback and the next page the face,
// by then in the cache.
const FACES = [
  // [file in Bootstrap Italia's dist/fonts/Titillium_Web, weight, style]
  ['titillium-web-v10-latin-ext_latin-regular.woff2', 400, 'normal'],
  ['titillium-web-v10-latin-ext_latin-italic.woff2', 400, 'italic'],
  ['titillium-web-v10-latin-ext_latin-600.woff2', 600, 'normal'],
  ['titillium-web-v10-latin-ext_latin-700.woff2', 700, 'normal'],
  ['titillium-web-v10-latin-ext_latin-700italic.woff2', 700, 'italic'],
]
const COMPRESSIBLE = new Set(['.css', '.js', '.svg', '.json', '.txt', '.html', '.map'])

const manifest = {}

function hashed(logical, content) {
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 12)
  const ext = path.extname(logical)
  const name = `${logical.slice(0, logical.length - ext.length)}.${digest}${ext}`
  const target = path.join(buildDir, name)
  fs.mkdirSync(path.dirname(target), { recursive: true })
  fs.writeFileSync(target, content)
  if (COMPRESSIBLE.has(ext)) {
    fs.writeFileSync(`${target}.gz`, zlib.gzipSync(content, { level: 9 }))
    fs.writeFileSync(
      `${target}.br`,
      zlib.brotliCompressSync(content, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
        },
      }),
    )
  }
  manifest[logical] = `build/${name}`
  return name
}

function fontFaces() {
  return FACES.map(([file, weight, style]) => {
    const content = fs.readFileSync(path.join(italia, 'dist/fonts/Titillium_Web', file))
    const logical = `fonts/titillium-web-${weight}${style === 'italic' ? '-italic' : ''}.woff2`
    // The stylesheet lives in build/, so its url() is relative to it.
    const url = hashed(logical, content)
    return (
      `@font-face{font-family:"Titillium Web";font-style:${style};font-weight:${weight};` +
      `font-display:optional;src:url(${url}) format("woff2")}`
    )
  }).join('\n')
}

async function stylesheet() {
  const compiled = sass.compile(path.join(sources, 'bootstrap-italia.scss'), {
    loadPaths: [path.join(italia, 'src/scss'), at('node_modules')],
    style: 'compressed',
    // No byte-order mark: the compiled CSS is not the first part of the bundle.
    charset: false,
    quietDeps: true,
    logger: sass.Logger.silent,
  })
  const own = fs.readFileSync(path.join(staticDir, 'condiviso.css'), 'utf8')
  const [purged] = await new PurgeCSS().purge({
    content: TEMPLATES.map((pattern) => at(pattern)),
    css: [{ raw: `${compiled.css}\n${own}` }],
    safelist: SAFELIST,
    variables: true,
    keyframes: true,
  })
  hashed('condiviso.css', Buffer.from(`${fontFaces()}\n${purged.css}\n`))
}

function templateIcons() {
  const names = new Set()
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith('.html')) {
        for (const match of fs.readFileSync(full, 'utf8').matchAll(/#(it-[a-z0-9-]+)/g)) {
          names.add(match[1])
        }
      }
    }
  }
  walk(at('platform/condiviso/templates'))
  for (const plugin of fs.readdirSync(at('plugins'))) {
    const templates = at('plugins', plugin, 'templates')
    if (fs.existsSync(templates)) walk(templates)
  }
  return names
}

function sprite() {
  const listed = fs
    .readFileSync(path.join(sources, 'icons.txt'), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
  const wanted = [...new Set([...listed, ...templateIcons()])].sort()
  const sheet = fs.readFileSync(path.join(italia, 'dist/svg/sprites.svg'), 'utf8')
  const symbols = new Map(
    [...sheet.matchAll(/<symbol id="([^"]+)"[\s\S]*?<\/symbol>/g)].map((m) => [m[1], m[0]]),
  )
  const missing = wanted.filter((name) => !symbols.has(name))
  if (missing.length) {
    throw new Error(`icons not in Bootstrap Italia's sprite sheet: ${missing.join(', ')}`)
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg">${wanted.map((n) => symbols.get(n)).join('')}</svg>\n`
  hashed('icons.svg', Buffer.from(svg))
}

function copies(dir = staticDir, prefix = '') {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const logical = prefix + entry.name
    if (logical === 'build' || logical === 'condiviso.css' || entry.name.startsWith('.')) continue
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) copies(full, `${logical}/`)
    else hashed(logical, fs.readFileSync(full))
  }
}

fs.rmSync(buildDir, { recursive: true, force: true })
fs.mkdirSync(buildDir, { recursive: true })
await stylesheet()
sprite()
copies()
const sorted = Object.fromEntries(Object.entries(manifest).sort())
fs.writeFileSync(path.join(buildDir, 'manifest.json'), `${JSON.stringify(sorted, null, 1)}\n`)
const css = fs.statSync(path.join(staticDir, manifest['condiviso.css']))
const cssBrotli = fs.statSync(path.join(staticDir, `${manifest['condiviso.css']}.br`))
console.log(
  `  built ${Object.keys(sorted).length} files; condiviso.css ${(css.size / 1024).toFixed(1)} KB ` +
    `(${(cssBrotli.size / 1024).toFixed(1)} KB with brotli)`,
)
