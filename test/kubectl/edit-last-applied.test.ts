// kubectl apply edit-last-applied in kubectl 1.32's apply-edit loop: an edit that does not validate
// (not YAML, no kind, empty) or does not decode (a kind the server lacks) reopens the file with the
// reasons under the apply-edit header, the same edit saved again gives up and keeps a copy, a save
// the server refuses or a namespace not the command's keeps a copy too; each object of a List is
// compared with the configuration of its uid (the first's, when none has one). The real kubectl and
// kubemu's run the same editor steps on the same objects: what the editor was shown each time,
// what each prints and the configurations after must be the same.
import {chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

describe('kubectl apply edit-last-applied beside the real kubectl', () => {
  const folder = temporaryFolder()
  const steps = join(folder, 'steps')
  const editor = join(folder, 'editor.sh')
  let cluster: ReferenceCluster
  const savedEditor = process.env.EDITOR

  beforeAll(async () => {
    // Each opening is logged, then the file becomes the next prepared step (if there is one).
    writeFileSync(editor, `#!/bin/sh\nd=${steps}\nn=$(cat "$d/count" 2>/dev/null || echo 0)\necho "=== open $n" >> "$d/log"\ncat "$1" >> "$d/log"\n[ -f "$d/step$n" ] && cp "$d/step$n" "$1"\necho $((n+1)) > "$d/count"\n`)
    chmodSync(editor, 0o755)
    process.env.EDITOR = editor
    cluster = await referenceCluster()
    expect((await cluster.real('create ns ela')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    if (savedEditor === undefined) delete process.env.EDITOR
    else process.env.EDITOR = savedEditor
    await cluster.close()
  })

  const configMap = (name: string, data: string, namespace = 'ela') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n${data}`
  const scenarios: Record<string, {args?: string; steps: string[]}> = {
    'not YAML, then fixed': {steps: ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: la\ndata: [\n', configMap('la', '  a: "3"\n')]},
    'not YAML twice': {steps: ['apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: la\ndata: [\n', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: la\ndata: [\n']},
    'emptied': {steps: ['']},
    'comments only': {steps: ['# nothing\n']},
    'no apiVersion or kind': {steps: ['metadata:\n  name: la\n  namespace: ela\ndata:\n  a: "3"\n']},
    'a kind the server lacks': {steps: [configMap('la', '  a: "3"\n').replace('ConfigMap', 'Nope')]},
    'renamed to an object not there': {steps: [configMap('lzz', '  a: "3"\n')]},
    'moved to another namespace': {steps: [configMap('la', '  a: "3"\n', 'default')]},
    'unchanged': {steps: []},
    'a List of two, the first changed': {args: 'cm la lb', steps: [`apiVersion: v1\nitems:\n- ${configMap('la', '    a: "5"\n').replaceAll('\n', '\n  ').trimEnd()}\n- ${configMap('lb', '    b: "1"\n').replaceAll('\n', '\n  ').trimEnd()}\nkind: List\nmetadata: {}\n`]},
    'JSON not closed': {args: 'cm la -o json', steps: ['{"apiVersion": "v1",\n "kind": "ConfigMap"\n']},
    'JSON not an object': {args: 'cm la -o json', steps: ['[1]\n']},
  }

  /** One kubectl's edit from the same starting point: what it printed, what the editor was shown, the configurations after. */
  async function edit(run: (line: string) => Promise<ShellResult>, args: string, stepTexts: readonly string[]) {
    const start = `${configMap('la', '  a: "1"\n')}---\n${configMap('lb', '  b: "1"\n')}`
    writeFileSync(join(folder, 'start.yaml'), start)
    expect((await cluster.real(`apply -f ${join(folder, 'start.yaml')}`)).status).toBe(0)
    rmSync(steps, {recursive: true, force: true})
    mkdirSync(steps)
    stepTexts.forEach((text, index) => writeFileSync(join(steps, `step${index}`), text))
    const result = await run(`apply edit-last-applied ${args} -n ela`)
    const masked = (text: string) => text.replace(/kubectl-edit-\d+/g, 'kubectl-edit-N')
    const configurations = (await cluster.real("get cm la lb -n ela -o jsonpath='{.items[*].metadata.annotations}'")).stdout
    return {status: result.status, stdout: result.stdout, stderr: masked(result.stderr), shown: masked(readFileSync(join(steps, 'log'), 'utf8')), configurations}
  }

  for (const [name, {args, steps: stepTexts}] of Object.entries(scenarios)) {
    it(`edits as the real kubectl: ${name}`, async () => {
      const theirs = await edit((line) => cluster.real(line), args ?? 'cm la', stepTexts)
      const ours = await edit((line) => cluster.ours(line), args ?? 'cm la', stepTexts)
      expect(ours).toEqual(theirs)
    }, 30_000)
  }
})
