// kubectl --help, kubectl <command> --help and kubectl options print kubectl 1.32's own text,
// byte for byte, for every command kubemu's kubectl has (the real kubectl prints help without a server).
import {describe, expect, it} from 'vitest'
import type {KubectlVerb} from '../../src/core/kubectl/verb.js'
import {runKubectl} from '../../src/core/kubectl/kubectl.js'
import {loadVerbs} from '../../src/core/kubectl/verbs/index.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const verbs = await loadVerbs()

function commandPaths(list: readonly KubectlVerb[], prefix = ''): string[] {
  return list.flatMap((verb) => [`${prefix}${verb.name}`, ...commandPaths(verb.subverbs ?? [], `${prefix}${verb.name} `)])
}

describe('kubectl help beside the real kubectl', () => {
  const folder = temporaryFolder()
  const environment = {...process.env, KUBECONFIG: `${folder}/no-kubeconfig`, KUBEMU_HOME: folder, HOME: folder}
  const ours = async (line: string) => {
    let stdout = ''
    let stderr = ''
    const status = await runKubectl(line.split(' ').filter((word) => word.length > 0), {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      readStdin: async () => '',
      environment,
    })
    return {stdout, stderr, status}
  }

  for (const line of ['', '--help', '-h', 'options', 'help', 'help get', 'get -h', ...commandPaths(verbs).map((path) => `${path} --help`)]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const real = await runShell(`kubectl ${line}`, {cwd: folder, env: environment})
      expect({line, ...(await ours(line))}).toEqual({line, ...real})
    }, 30_000)
  }
})
