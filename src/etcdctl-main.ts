// The etcdctl entry without oclif: etcdctl parses its own (Go-style) flags anyway, and scripts
// call it often, so it skips the CLI framework's start-up (about 70 ms). `kubemu etcdctl` and
// the `etcdctl` shim both come here; the oclif command of the same name serves help and listing.
import {runEtcdctl} from './core/etcdctl/etcdctl.js'

async function readStandardInput(): Promise<Uint8Array> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Standard input line by line (readline loads only for the verbs that read lines). */
async function* readStandardInputLines(): AsyncIterable<string> {
  const {createInterface} = await import('node:readline')
  yield* createInterface({input: process.stdin, crlfDelay: Infinity})
}

/** Bytes one hidden line may have before it is cut (a password, typed by hand). */
const hiddenLineBytesMax = 4096

/** Reads a line from the terminal with echo off, as speakeasy does for etcdctl's passwords. */
function readHiddenLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin
    let line = ''
    const finish = (error?: Error) => {
      input.setRawMode(false)
      input.pause()
      input.off('data', onData)
      if (error) reject(error)
      else resolve(line)
    }
    const onData = (chunk: Buffer) => {
      for (const character of chunk.toString('utf8')) {
        if (character === '\r' || character === '\n') return finish()
        if (character === '\u0003') return finish(new Error('interrupted'))
        if (character === '\u007f' || character === '\b') line = line.slice(0, -1)
        else if (line.length < hiddenLineBytesMax) line += character
      }
    }
    input.setRawMode(true)
    input.resume()
    input.on('data', onData)
  })
}

function catchInterrupt(): AbortSignal {
  const controller = new AbortController()
  const abort = () => controller.abort()
  process.once('SIGINT', abort)
  process.once('SIGTERM', abort)
  return controller.signal
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await runEtcdctl(argv, {
      stdout: (text) => process.stdout.write(Buffer.from(text, 'latin1')),
      stderr: (text) => process.stderr.write(text),
      readStdin: readStandardInput,
      stdinLines: readStandardInputLines,
      environment: process.env,
      stdoutIsTerminal: process.stdout.isTTY === true,
      ...(process.stdin.isTTY ? {terminal: {readHiddenLine}} : {}),
      catchInterrupt,
    })
  } catch (error) {
    // The last word on a failure nothing else translated: etcdctl's one line, never a stack trace
    // (KUBEMU_DEBUG=1 shows it, for a bug report).
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`)
    if (process.env.KUBEMU_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`)
    return 1
  }
}
