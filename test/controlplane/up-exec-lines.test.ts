// exec -i line by line, with the real kubectl 1.32 and kubemu's against `kubemu up` and with
// kubemu's one-shot: a command that reads its stdin a line at a time (`read` in a loop, `cat`, a
// shell reading commands) answers each line before the next is written, as in a real container;
// the input's end lets it finish, and a command that exits first ends the exec with its status.
// Also: exec -it from a terminal (a pty), and a v4.channel.k8s.io client whose stdin ends with the
// connection's close.
import {readFileSync} from 'node:fs'
import {request} from 'node:http'
import type {Duplex} from 'node:stream'
import {join} from 'node:path'
import {WebsocketFrameReader, websocketFrame} from '../../src/core/server/websocket-frames.js'
import {describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {type KubectlClient, onTerminal} from '../support/terminal-session.js'

/** How long one answer may take to show (a bound, not a wait: the test goes on as soon as it shows). */
const answerMillisecondsMax = 20_000

const programs = {
  reader: ['sh', '-c', 'while read word; do echo "got $word"; done; echo bye'],
  cat: ['cat'],
  shell: ['sh'],
} as const

type Client = KubectlClient

/** Each line written into `exec -i` is answered before the next; the input's end finishes the command. */
async function answersLineByLine(client: Client, env: NodeJS.ProcessEnv): Promise<void> {
  for (const [name, command] of Object.entries(programs)) {
    const exec = new OutputProcess(client.command, [...client.args, 'exec', '-i', 'box', '--', ...command], env, true)
    for (const word of ['alpha', 'beta', 'gamma']) {
      const line = name === 'shell' ? `echo "got ${word}" > /tmp/${word}; cat /tmp/${word}` : word
      const expected = name === 'cat' ? `${word}\n` : `got ${word}\n`
      const before = exec.output.length
      exec.write(`${line}\n`)
      const started = Date.now()
      await Promise.race([exec.until((output) => output.slice(before).includes(expected)), new Promise((resolve) => setTimeout(resolve, answerMillisecondsMax))])
      // The answer to this line is there before the next line is written.
      expect(exec.output.slice(before), `${client.name} ${name} ${word} after ${Date.now() - started} ms`).toContain(expected)
    }
    exec.endInput()
    expect(await exec.exitCode(), `${client.name} ${name}: ${exec.errorOutput}`).toBe(0)
    const answers = name === 'cat' ? 'alpha\nbeta\ngamma\n' : 'got alpha\ngot beta\ngot gamma\n'
    expect(exec.output, `${client.name} ${name}`).toBe(name === 'reader' ? `${answers}bye\n` : answers)
  }
  // A shell that exits on a line ends the exec with its status while the input is still open.
  const exits = new OutputProcess(client.command, [...client.args, 'exec', '-i', 'box', '--', 'sh'], env, true)
  exits.write('echo leaving; exit 3\n')
  expect(await exits.exitCode(), client.name).toBe(3)
  expect(exits.output).toBe('leaving\n')
  expect(exits.errorOutput).toContain('command terminated with exit code 3')
}

/**
 * exec -it from a terminal (a pty `script` opens): keys go raw, the container's terminal echoes
 * them and runs the line on Enter (CR); the shell prompts, Ctrl-C stops the command that runs and
 * the shell goes on, output after a sleep comes without a key, Ctrl-D on an empty line ends it.
 */
async function answersOnTerminal(client: Client, env: NodeJS.ProcessEnv): Promise<void> {
  const {terminal, shows} = onTerminal(client, 'exec -it box -- sh', env)
  await shows('/ # ')
  terminal.write('echo "got $((6*7))"\r')
  await shows('/ # echo "got $((6*7))"\ngot 42\n/ # ')
  terminal.write('cat\r')
  terminal.write('typed\r')
  await shows('/ # cat\ntyped\ntyped\n')
  terminal.write('\u0003')
  await shows('typed\n^C\n/ # ')
  terminal.write('echo "after $?"\r')
  await shows('echo "after $?"\nafter 130\n/ # ')
  // What a command prints after a sleep shows without another key (the session is asked for it).
  terminal.write('sleep 1; echo "slept"\r')
  await shows('echo "slept"\nslept\n/ # ')
  terminal.write('\u0004')
  await shows('kubectl 0')
  expect(await terminal.exitCode()).toBe(0)
}

/**
 * A v4.channel.k8s.io client (which has no close of a channel): each line sent on channel 0 is
 * answered on channel 1 before the next is sent; closing the connection ends stdin, and the
 * command's exit comes back as the Status on channel 3.
 */
async function answersOverV4(home: string): Promise<void> {
  const {url} = JSON.parse(readFileSync(join(home, 'default', 'up.json'), 'utf8')) as {url: string}
  const token = /token: (\S+)/.exec(readFileSync(join(home, 'default', 'kubeconfig'), 'utf8'))![1]!
  const script = 'while read l; do echo "got $l"; done; exit 5'
  const path = `/api/v1/namespaces/default/pods/box/exec?command=sh&command=-c&command=${encodeURIComponent(script)}&stdin=true&stdout=true&stderr=true`
  const socket = await new Promise<Duplex>((resolve, reject) => {
    const upgrading = request(`${url}${path}`, {headers: {Authorization: `Bearer ${token}`, Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v4.channel.k8s.io'}})
    upgrading.on('upgrade', (_response, upgraded) => resolve(upgraded))
    upgrading.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)))
    upgrading.on('error', reject)
    upgrading.end()
  })
  const reader = new WebsocketFrameReader()
  const received: Array<{channel: number; text: string}> = []
  const waiters: Array<() => void> = []
  socket.on('data', (bytes: Buffer) => {
    for (const frame of reader.push(bytes)) if (frame.opcode === 2) received.push({channel: frame.payload[0]!, text: frame.payload.subarray(1).toString('utf8')})
    for (const waiter of waiters.splice(0)) waiter()
  })
  const until = async (done: () => boolean) => {
    const deadline = Date.now() + answerMillisecondsMax
    while (!done() && Date.now() < deadline) await new Promise<void>((resolve) => {
      waiters.push(resolve)
      setTimeout(resolve, 1000)
    })
  }
  for (const word of ['one', 'two']) {
    socket.write(websocketFrame(2, Buffer.concat([Buffer.from([0]), Buffer.from(`${word}\n`)])))
    await until(() => received.some((entry) => entry.channel === 1 && entry.text.includes(`got ${word}`)))
    expect(received.filter((entry) => entry.channel === 1).map((entry) => entry.text).join(''), `v4 ${word}`).toContain(`got ${word}\n`)
  }
  expect(received.some((entry) => entry.channel === 3)).toBe(false)
  socket.write(websocketFrame(8, Buffer.from([0x03, 0xe8])))
  await until(() => received.some((entry) => entry.channel === 3))
  const status = JSON.parse(received.find((entry) => entry.channel === 3)?.text ?? '{}') as {status?: string; details?: {causes?: Array<{message?: string}>}}
  expect(status.status).toBe('Failure')
  expect(status.details?.causes?.[0]?.message).toBe('5')
  socket.destroy()
}

const sleeper = 'apiVersion: v1\nkind: Pod\nmetadata: {name: box}\nspec:\n  containers:\n  - {name: main, image: busybox, command: [sleep, "3600"]}\n'

describe('exec -i line by line', {timeout: 300_000}, () => {
  const processes = upProcessesOfSuite()

  it('against kubemu up: each line is answered before the next, by read in a loop, cat and sh, and on a terminal, with the real kubectl and kubemu\'s', async () => {
    const {home, env, kubeconfig, real} = await upWithRealKubectl(processes)
    expect((await real('apply -f -', sleeper)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/box --timeout=50s')).status).toBe(0)
    await answersLineByLine({name: 'real', command: realKubectl, args: [`--kubeconfig=${kubeconfig}`]}, env)
    await answersLineByLine({name: 'ours', command: kubemu, args: ['kubectl']}, env)
    await answersOnTerminal({name: 'real', command: realKubectl, args: [`--kubeconfig=${kubeconfig}`]}, env)
    await answersOnTerminal({name: 'ours', command: kubemu, args: ['kubectl']}, env)
    await answersOverV4(home)
    // What the shells wrote stays in the container's files, as a real exec's writes do.
    const file = await real('exec box -- cat /tmp/gamma')
    expect(file.stdout).toBe('got gamma\n')
  })

  it('one-shot: kubemu\'s kubectl runs the exec in its own process, answering each line before the next', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    expect((await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env, stdin: sleeper})).status).toBe(0)
    await answersLineByLine({name: 'one-shot', command: kubemu, args: ['kubectl']}, env)
  })
})
