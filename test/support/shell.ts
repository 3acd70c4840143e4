import {spawn} from 'node:child_process'

export interface ShellResult {
  readonly stdout: string
  readonly stderr: string
  readonly status: number | null
}

/**
 * Runs a bash command line and collects its output. Asynchronous on purpose: a test that blocks
 * its worker for a minute keeps vitest's own messages from being answered, and the run fails on
 * an RPC timeout.
 */
export function runShell(command: string, options: {cwd: string; env: NodeJS.ProcessEnv; stdin?: string}): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], {cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({stdout, stderr, status}))
    // A command that ends without reading its input closes the pipe first (EPIPE): what it
    // printed and its status are the result, as in a shell.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error)
    })
    child.stdin.end(options.stdin ?? '')
  })
}
