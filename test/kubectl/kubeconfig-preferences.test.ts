// Preferences across a $KUBECONFIG list, as clientcmd merges and writes them: colors when any file
// sets it, extensions by name (first file wins); a change goes to the first file whose preferences
// differ, and unsetting them (or their extensions) as a whole to the first file; the other files
// are left as they were. Each case runs in a fresh copy for the real kubectl and for kubemu's,
// without a server: same output, exit code and files afterwards.
import {readdirSync, readFileSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const both = {'a.yaml': 'apiVersion: v1\nkind: Config\npreferences: {colors: true}\n', 'b.yaml': 'apiVersion: v1\nkind: Config\npreferences:\n  colors: true\n  extensions: [{name: x, extension: 1}]\n'}
const second = {'a.yaml': 'apiVersion: v1\nkind: Config\n', 'b.yaml': 'apiVersion: v1\nkind: Config\npreferences:\n  colors: true\n'}
const contexts = {
  'a.yaml': 'apiVersion: v1\nkind: Config\nclusters:\n- name: ca\n  cluster: {server: https://a}\ncontexts:\n- name: xa\n  context: {cluster: ca, user: ua}\ncurrent-context: xa\n',
  'b.yaml': 'apiVersion: v1\nkind: Config\nusers:\n- name: ub\n  user: {token: t}\npreferences: {colors: true}\n',
}

const cases: Array<[Record<string, string>, string]> = [
  [both, 'config view'],
  [both, 'config unset preferences.colors'],
  [both, 'config unset preferences'],
  [both, 'config unset preferences.extensions'],
  [both, 'config set preferences.colors false'],
  [second, 'config unset preferences.colors'],
  [second, 'config unset preferences'],
  [second, 'config set preferences.colors true'],
  [second, '--kubeconfig b.yaml config unset preferences.colors'],
  [contexts, 'config use-context xa'],
  [contexts, 'config set-credentials ub --token=z'],
  [contexts, 'config unset users.ub.token'],
  [contexts, 'config unset preferences.colors'],
]

describe('kubeconfig preferences across several files', () => {
  it('merges and writes them as the real kubectl does', async () => {
    const root = temporaryFolder()
    const run = async (side: string, kubectl: string) => {
      const script: string[] = []
      cases.forEach(([files, line], index) => {
        const folder = join(root, side, String(index))
        mkdirSync(folder, {recursive: true})
        for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text)
        script.push(`cd ${folder} && { ${kubectl} ${line} > out 2>&1; echo "status $?" >> out; }`)
      })
      await runShell(script.join('\n'), {cwd: root, env: {...process.env, KUBECONFIG: 'a.yaml:b.yaml', KUBEMU_HOME: join(root, side, 'home')}})
      return cases.map(([, line], index) => {
        const folder = join(root, side, String(index))
        return {line, files: Object.fromEntries(readdirSync(folder).sort().map((name) => [name, readFileSync(join(folder, name), 'utf8')]))}
      })
    }
    const [ours, theirs] = await Promise.all([run('ours', `${kubemu} kubectl`), run('real', realKubectl)])
    expect(ours).toEqual(theirs)
  })
})
