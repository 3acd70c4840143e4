// A kubectl command in a pty (`script` opens one), as a user's terminal runs it: what the tests of
// `exec -it`, `attach -it` and `run -it` type into and read back.
import {expect} from 'vitest'
import {OutputProcess} from './output-process.js'

/** How long one answer may take to show (a bound, not a wait: the test goes on as soon as it shows). */
export const terminalAnswerMillisecondsMax = 20_000

export type KubectlClient = {readonly name: string; readonly command: string; readonly args: readonly string[]}

/**
 * Runs `kubectlArgs` with `client` in a pty, then prints `kubectl STATUS`; `shows` waits (bounded)
 * until the terminal shows `expected` (CRs dropped), `shown` is all it showed.
 */
export function onTerminal(client: KubectlClient, kubectlArgs: string, env: NodeJS.ProcessEnv) {
  const command = [client.command, ...client.args, kubectlArgs].join(' ')
  const terminal = new OutputProcess('script', ['-qfec', `${command}; echo "kubectl $?"`, '/dev/null'], env, true)
  const shown = () => terminal.output.replaceAll('\r', '')
  return {
    terminal,
    shown,
    shows: async (expected: string) => {
      await Promise.race([terminal.until(() => shown().includes(expected)), new Promise((resolve) => setTimeout(resolve, terminalAnswerMillisecondsMax))])
      expect(shown(), `${client.name}: ${kubectlArgs}`).toContain(expected)
    },
  }
}

/** In a shell on the terminal: Ctrl-C stops `sleep 100` and the shell goes on (130), Ctrl-D ends it. */
export async function interruptsThenEnds(session: ReturnType<typeof onTerminal>, ended: string): Promise<void> {
  const {terminal, shows} = session
  terminal.write('sleep 100\r')
  await shows('/ # sleep 100\n')
  terminal.write('\u0003')
  await shows('^C\n/ # ')
  terminal.write('echo "status $?"\r')
  await shows('status 130\n/ # ')
  terminal.write('\u0004')
  await shows(ended)
  terminal.endInput()
}
