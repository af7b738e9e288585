import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import preact from '@preact/preset-vite'
import { build, defineConfig, type Plugin } from 'vite'

const root = import.meta.dirname

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? walk(p) : [p]
  })
}

/**
 * Builds `src/sw.ts` as a separate classic script at `/sw.js` after the app is written, with the
 * precache list (every emitted file: hashed assets, index.html, manifest, icons) and a cache
 * version (hash of their contents) injected. No workbox: the worker is ours and small.
 */
function serviceWorker(): Plugin {
  let outDir = ''
  return {
    name: 'xinlian-service-worker',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir
    },
    async closeBundle() {
      const files = walk(outDir)
        .map((f) => path.relative(outDir, f).split(path.sep).join('/'))
        .filter((f) => f !== 'sw.js' && !f.endsWith('.map'))
        .sort()
      const hash = createHash('sha256')
      for (const f of files) hash.update(f).update(fs.readFileSync(path.join(outDir, f)))
      const precache = files.map((f) => '/' + f)
      await build({
        configFile: false,
        root,
        logLevel: 'warn',
        define: {
          __PRECACHE__: JSON.stringify(precache),
          __SW_VERSION__: JSON.stringify(hash.digest('hex').slice(0, 12)),
        },
        build: {
          outDir,
          emptyOutDir: false,
          copyPublicDir: false,
          minify: true,
          lib: {
            entry: path.join(root, 'src/sw.ts'),
            formats: ['iife'],
            name: 'xinlianSw',
            fileName: () => 'sw.js',
          },
        },
      })
    },
  }
}

export default defineConfig({
  root,
  plugins: [preact(), serviceWorker()],
  build: { outDir: path.join(root, 'dist'), emptyOutDir: true, target: 'es2020' },
  server: { proxy: { '/api': { target: 'http://localhost:8080', changeOrigin: false } } },
})
