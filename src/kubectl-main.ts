// The kubectl entry without oclif: kubectl parses its own (pflag-style) flags, and scripts call
// it often, so it skips the CLI framework's start-up. `kubemu kubectl` and the `kubectl` shim both
// come here; the oclif command of the same name serves help and listing.
import {runKubectl} from './core/kubectl/kubectl.js'
import {bytesToText, textToBytes} from './core/util/byte-text.js'
import {progressLine} from './core/printers/progress.js'

async function readStandardInput(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  // Bytes as text without loss (util/byte-text.ts): `exec -i` passes a binary file on intact.
  return bytesToText(Buffer.concat(chunks))
}

/** Stdin as it comes; reading it stops when the command ends (an attach whose container exited). */
async function* standardInputPieces(): AsyncIterable<string> {
  stdinFollowed = true
  for await (const chunk of process.stdin) yield bytesToText(chunk as Buffer)
}

let stdinFollowed = false

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runKubectl(argv, {
      stdout: (text) => process.stdout.write(textToBytes(text)),
      stderr: (text) => process.stderr.write(text),
      readStdin: readStandardInput,
      stdinPieces: standardInputPieces,
      ...(process.stdin.isTTY ? {terminalInput: {setRaw: (raw: boolean) => process.stdin.setRawMode(raw)}} : {}),
      environment: process.env,
      catchUpProgress: progressLine(process.stderr),
      stdoutColors: process.stdout.isTTY === true && !process.env.NO_COLOR,
    })
  } catch (error) {
    // The last word on a failure nothing else translated: kubectl's one line, never a stack trace
    // (KUBEMU_DEBUG=1 shows it, for a bug report).
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`)
    if (process.env.KUBEMU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
    return 1
  } finally {
    // A terminal or pipe still open would keep this process waiting after the command is done.
    if (stdinFollowed) process.stdin.destroy()
  }
}
