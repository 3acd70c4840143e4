// An answer that is no Table (an API without server-side printing, as metrics-server before it
// printed tables): kubectl's default handler prints each object's name and age. Recorded from
// the real kubectl 1.32 against a server answering NodeMetricsList to its Table request.
import {describe, expect, it} from 'vitest'
import {answerTable, tableCells, tabwrite} from '../../src/core/printers/kubectl/table.js'

const options = {wide: false, noHeaders: false, withNamespace: false, kindPrefix: null, labelColumns: [], showLabels: false}

describe('a list answered without a Table', () => {
  it('prints NAME and AGE as kubectl\'s default handler does', () => {
    const now = Date.parse('2026-12-06T18:49:14Z')
    const list = {kind: 'NodeMetricsList', apiVersion: 'metrics.k8s.io/v1beta1', metadata: {}, items: [
      {metadata: {name: 'control-plane', creationTimestamp: '2026-12-06T18:49:14Z'}, window: '20.05s', usage: {cpu: '443m', memory: '670495Ki'}},
      {metadata: {name: 'worker-1', creationTimestamp: '2026-12-06T18:46:04Z'}, window: '20.05s', usage: {cpu: '225m', memory: '603942Ki'}},
      {metadata: {name: 'undated'}, window: '20.05s', usage: {}},
    ]}
    expect(tabwrite(tableCells(answerTable(list, now), options))).toBe('NAME            AGE\ncontrol-plane   0s\nworker-1        3m10s\nundated         <unknown>\n')
    // One object (a get by name) is one row; a Table passes through as the server sent it.
    expect(answerTable(list.items[0], now).rows).toHaveLength(1)
    const table = {columnDefinitions: [{name: 'Name', type: 'string'}], rows: [{cells: ['a']}]}
    expect(answerTable(table, now)).toBe(table)
  })
})
