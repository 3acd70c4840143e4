import {Command} from '@oclif/core'
import {runEtcdctl} from '../core/etcdctl/etcdctl.js'

async function readStandardInput(): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

export default class Etcdctl extends Command {
  static override description = 'etcdctl 3.4 on the embedded cluster: same verbs, flags, output and exit codes'
  static override strict = false
  // etcdctl parses its own flags (Go syntax, flags anywhere), so oclif passes everything through.
  static override flags = {}

  async run(): Promise<void> {
    // etcdctl's own parser reads the arguments; oclif's would reject Go-style flags it does not know.
    this.parsed = true
    const code = await runEtcdctl(this.argv, {
      stdout: (text) => process.stdout.write(Buffer.from(text, 'latin1')),
      stderr: (text) => process.stderr.write(text),
      readStdin: readStandardInput,
      environment: process.env,
    })
    process.exitCode = code
  }
}
