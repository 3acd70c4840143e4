// The change log keeps its file open between batches; cut back to its newest lines (written aside
// and renamed over), the next batch goes to the new file, not to the one renamed away.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {changeLogFileName, changeLogTrimBytes, changeRecordsMax, FileChangeLog, readChanges} from '../../src/core/apiserver/change-log.js'
import type {ChangeRecord} from '../../src/core/apiserver/change-trail.js'
import {temporaryFolder} from '../support/temp.js'

const change = (uid: string, revision: number, padding = ''): ChangeRecord => ({time: 0, user: 'admin', verb: 'create', group: '', resource: 'configmaps', namespace: 'default', name: `${uid}${padding}`, uid, code: 201, key: `/registry/configmaps/default/${uid}`, revision})

describe('the change log', () => {
  it('appends batches to the file, and after cutting it back to its newest lines appends to the new file', () => {
    const folder = temporaryFolder()
    // More than changeLogTrimBytes already there: the next batch cuts the file back.
    const padding = 'x'.repeat(1000)
    const lines = Math.ceil(changeLogTrimBytes / JSON.stringify(change('old-00000', 1, padding)).length) + 1
    writeFileSync(join(folder, changeLogFileName), Array.from({length: lines}, (_, index) => `${JSON.stringify(change(`old-${index}`, index + 1, padding))}\n`).join(''))
    const log = new FileChangeLog(folder)
    try {
      log.record(change('first', lines + 1))
      log.flush()
      const cut = readChanges(folder)
      expect(cut).toHaveLength(changeRecordsMax)
      expect(cut.at(-1)!.uid).toBe('first')
      log.record(change('second', lines + 2))
      log.record(change('third', lines + 3))
      log.flush()
      const after = readChanges(folder)
      expect(after).toHaveLength(changeRecordsMax + 2)
      expect(after.slice(-3).map((record) => record.uid)).toEqual(['first', 'second', 'third'])
    } finally {
      log.close()
    }
  })
})
