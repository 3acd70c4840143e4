#!/usr/bin/env node
// Writes dist/tools/kubectl.cjs, dist/tools/etcdctl.cjs, dist/tools/host.cjs and dist/tools/up.cjs (run by `npm run build`, after tsc and
// the verbs manifest): each tool's modules in one file, which src/tool-bundle.ts runs with V8's
// code cache. A one-shot command otherwise resolves, reads and compiles ~450 modules on every run
// (about half of its CPU time on Node 20, which has no compile cache of its own).
import {randomUUID} from 'node:crypto'
import {appendFile, readFile} from 'node:fs/promises'
import {dirname, join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'
import * as esbuild from 'esbuild'

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const distFolder = join(projectRoot, 'dist')

// Modules find their data files and worker scripts relative to their own URL: in the bundle each
// keeps the URL of the module it was built from (dist/… beside the bundle), not the bundle's.
const ownUrlPerModule = {
  name: 'own-url-per-module',
  setup(build) {
    build.onLoad({filter: /\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      if (!args.path.startsWith(`${distFolder}/`) || !text.includes('import.meta.url')) return {contents: text, loader: 'js'}
      const fromDist = JSON.stringify(relative(distFolder, args.path))
      return {contents: text.replaceAll('import.meta.url', `__kubemuModuleUrl(${fromDist})`), loader: 'js'}
    })
  },
}

// The bundle and the module it was built from carry the same build id (the bundle's first line, the
// module's last): src/tool-bundle.ts runs the bundle only while they agree. A build by tsc alone
// writes the module again without it; an npm install sets every file's time, so times cannot tell.
const buildId = randomUUID()

// host: the core of kubemu's own host commands (time, member, master, node, load), src/host-main.ts;
// up: what `kubemu up` runs, src/up-main.ts.
for (const tool of ['kubectl', 'etcdctl', 'host', 'up']) {
  await esbuild.build({
    entryPoints: [join(distFolder, `${tool}-main.js`)],
    outfile: join(distFolder, 'tools', `${tool}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // import() of Node's own modules as require(): a script run through node:vm has no module
    // loader for import() of its own.
    supported: {'dynamic-import': false},
    // A native addon, and packages that read their own files (.proto) beside their modules: loaded
    // from node_modules as the modules load them.
    external: ['better-sqlite3', 'etcd3', '@grpc/*', 'protobufjs', 'protobufjs/*'],
    plugins: [ownUrlPerModule],
    banner: {js: `// kubemu-build ${buildId}\nconst __kubemuModuleUrl = (fromDist) => require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', fromDist)).href;`},
    // Smaller to read at every run (comments and blanks out; names kept, so stack traces and
    // class names read as in the modules), and ASCII only: the loader reads it as latin1, which
    // skips UTF-8 decoding of megabytes.
    minifyWhitespace: true,
    minifySyntax: true,
    charset: 'ascii',
    logLevel: 'warning',
  })
  await appendFile(join(distFolder, `${tool}-main.js`), `\n// kubemu-build ${buildId}\n`)
  const bundle = await readFile(join(distFolder, 'tools', `${tool}.cjs`))
  const nonAscii = bundle.findIndex((byte) => byte > 0x7f)
  if (nonAscii >= 0) {
    const around = bundle.subarray(Math.max(0, nonAscii - 60), nonAscii + 20).toString('utf8')
    throw new Error(`dist/tools/${tool}.cjs is not ASCII at byte ${nonAscii} (write the character as an escape in the source): …${around}…`)
  }
}
