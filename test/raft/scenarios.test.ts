import {readFileSync, readdirSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {ScenarioError, runScenario} from './scenario-runner.js'

const folder = join(dirname(fileURLToPath(import.meta.url)), 'scenarios')

describe('raft scenarios', () => {
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.txt')).sort()) {
    it(file.replace(/\.txt$/, '').replaceAll('-', ' '), () => {
      runScenario(readFileSync(join(folder, file), 'utf8'))
    })
  }

  it('a failing expectation names its line', () => {
    expect(() => runScenario('cluster 3\ncampaign n1\nrun 3\nexpect leader n2')).toThrow(ScenarioError)
    expect(() => runScenario('cluster 3\ncampaign n1\nrun 3\nexpect leader n2')).toThrow(/line 4 \(expect leader n2\): the leader is n1/)
  })
})
