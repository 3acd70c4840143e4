// The etcdctl entry without oclif: etcdctl parses its own (Go-style) flags anyway, and scripts
// call it often, so it skips the CLI framework's start-up (about 70 ms). `kubemu etcdctl` and
// the `etcdctl` shim both come here; the oclif command of the same name serves help and listing.
import {runEtcdctl} from './core/etcdctl/etcdctl.js'

async function readStandardInput(): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export async function main(argv: readonly string[]): Promise<number> {
  return runEtcdctl(argv, {
    stdout: (text) => process.stdout.write(Buffer.from(text, 'latin1')),
    stderr: (text) => process.stderr.write(text),
    readStdin: readStandardInput,
    environment: process.env,
  })
}
