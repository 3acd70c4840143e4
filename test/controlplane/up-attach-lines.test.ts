// attach -i line by line against `kubemu up`, with the real kubectl 1.32 and kubemu's: a container
// that reads its stdin a line at a time (`read` in a loop, `cat`, a shell reading commands) answers
// each line before the next is written, as a real container does; the input's end ends it. run -i
// answers the same way from the pod's start.
import {describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl} from '../support/up-with-real-kubectl.js'

/** How long one answer may take to show (a bound, not a wait: the test goes on as soon as it shows). */
const answerMillisecondsMax = 20_000

describe('attach -i line by line against kubemu up', {timeout: 300_000}, () => {
  const processes = upProcessesOfSuite()

  it('each line typed into attach -i is answered before the next, by read in a loop, cat and sh', async () => {
    const {env, kubeconfig, real} = await upWithRealKubectl(processes)
    const programs = {
      reader: ['sh', '-c', 'while read word; do echo "got $word"; done; echo bye'],
      cat: ['cat'],
      shell: ['sh'],
    } as const
    for (const [name, command] of Object.entries(programs)) {
      const manifest = `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: main, image: busybox, command: ${JSON.stringify(command)}, stdin: true}\n`
      expect((await real('apply -f -', manifest)).status).toBe(0)
      expect((await real(`wait --for=condition=Ready pod/${name} --timeout=50s`)).status).toBe(0)
    }
    const clients = [{name: 'real', command: realKubectl, args: [`--kubeconfig=${kubeconfig}`]}, {name: 'ours', command: kubemu, args: ['kubectl']}]
    for (const client of clients) {
      for (const pod of Object.keys(programs)) {
        const attach = new OutputProcess(client.command, [...client.args, 'attach', '-i', pod], env, true)
        const seenBefore = attach.output.length
        for (const word of ['alpha', 'beta', 'gamma']) {
          const line = pod === 'shell' ? `echo "got ${word}"` : word
          const expected = pod === 'cat' ? `${word}\n` : `got ${word}\n`
          const before = attach.output.length
          attach.write(`${line}\n`)
          const started = Date.now()
          await Promise.race([attach.until((output) => output.slice(before).includes(expected)), new Promise((resolve) => setTimeout(resolve, answerMillisecondsMax))])
          // The answer to this line is there before the next line is written.
          expect(attach.output.slice(Math.max(before, seenBefore)), `${client.name} ${pod} ${word} after ${Date.now() - started} ms`).toContain(expected)
        }
        await attach.stop()
      }
      // run -i: the same, from the pod's creation; the input's end ends the loop and --rm deletes the pod.
      const pod = `run-${client.name}`
      const run = new OutputProcess(client.command, [...client.args, 'run', '-i', '--rm', '--restart=Never', pod, '--image=busybox', '--', 'sh', '-c', 'while read word; do echo "got $word"; done'], env, true)
      for (const word of ['alpha', 'beta']) {
        const before = run.output.length
        run.write(`${word}\n`)
        await Promise.race([run.until((output) => output.slice(before).includes(`got ${word}\n`)), new Promise((resolve) => setTimeout(resolve, answerMillisecondsMax))])
        expect(run.output.slice(before), `${client.name} run -i ${word}`).toContain(`got ${word}\n`)
      }
      run.endInput()
      expect(await run.exitCode(), client.name).toBe(0)
      expect(run.output).toBe(`got alpha\ngot beta\npod "${pod}" deleted\n`)
    }
  })
})
