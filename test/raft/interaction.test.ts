// Every testdata/*.txt trace replayed against the Raft core. When behaviour changes on purpose,
// `REWRITE=1 npx vitest run test/raft/interaction.test.ts` writes what the core prints now
// into the files; read the git diff before committing it.
import {readFileSync, readdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {describeMismatches, parseTrace, replayTrace} from './interaction.js'

const folder = join(dirname(fileURLToPath(import.meta.url)), 'testdata')
const rewrite = process.env.REWRITE === '1'

describe('raft traces', () => {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.txt')).sort()) {
    it(file, () => {
      const path = join(folder, file)
      const text = readFileSync(path, 'utf8')
      const run = replayTrace(text)
      if (rewrite) {
        if (run.rewritten !== text) writeFileSync(path, run.rewritten)
        return
      }
      if (run.mismatches.length > 0) expect.fail(`the trace differs from the run:\n${describeMismatches(`testdata/${file}`, run.mismatches)}`)
      expect(run.rewritten).toBe(text)
    })
  }

  it('a changed expected line fails, naming the block and showing the difference', () => {
    const trace = 'add-nodes 1 voters=(1) index=2\n----\n1: StateFollower (Voter) Term:1 Lead:0 Voters:[1]\n\ncampaign 1\n----\n1: StateLeader (Voter) Term:3 Lead:1\n'
    const run = replayTrace(trace)
    expect(run.mismatches).toHaveLength(1)
    expect(describeMismatches('t.txt', run.mismatches)).toBe('t.txt:5: campaign 1\n- 1: StateLeader (Voter) Term:3 Lead:1\n+ 1: StateLeader (Voter) Term:2 Lead:1')
    expect(run.rewritten).toBe(trace.replace('Term:3', 'Term:2'))
  })

  it('a command without its ---- line is refused with its line number', () => {
    expect(() => parseTrace('# comment\nstabilize\n')).toThrow(/line 2: `stabilize` must be followed by a `----` line/)
  })
})
