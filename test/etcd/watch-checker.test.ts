// The watch checker on hand-made watches: each guarantee it checks fails on a watch that breaks it.
import {describe, expect, it} from 'vitest'
import {checkWatch, finalValues, mergeHistory, type WatchedEvent, type WatchRecord} from '../support/watch-checker.js'

const put = (revision: number, key: string, value: string): WatchedEvent => ({revision, key, type: 'put', value})
const del = (revision: number, key: string): WatchedEvent => ({revision, key, type: 'delete', value: null})
// Revision 12 is a transaction that wrote two keys; 14 is outside the prefix.
const history = [put(10, '/w/a', '1'), put(11, '/w/b', '1'), put(12, '/w/a', '2'), put(12, '/w/c', '1'), del(13, '/w/b'), put(14, '/other', 'x'), put(15, '/w/a', '3')]
const watch = (responses: WatchedEvent[][], startRevision = 10, headerRevision?: number): WatchRecord => ({
  name: 'w',
  prefix: '/w/',
  startRevision,
  responses: responses.map((events) => ({events, headerRevision: headerRevision ?? Math.max(...events.map((event) => event.revision))})),
})

describe('the watch checker', () => {
  it('accepts a watch that delivered every event of its range in order, a revision at a time', () => {
    expect(checkWatch(watch([[history[0]!], [history[1]!], [history[2]!, history[3]!], [history[4]!], [history[6]!]]), history)).toEqual([])
    // Several revisions in one response, and a watch from a later revision.
    expect(checkWatch(watch([[history[0]!, history[1]!, history[2]!, history[3]!]]), history)).toEqual([])
    expect(checkWatch(watch([[history[4]!], [history[6]!]], 13), history)).toEqual([])
    // Nothing yet is no violation.
    expect(checkWatch(watch([]), history)).toEqual([])
  })

  it('reports each broken guarantee', () => {
    const [a1, b1, a2, c1, b2, , a3] = history as [WatchedEvent, WatchedEvent, WatchedEvent, WatchedEvent, WatchedEvent, WatchedEvent, WatchedEvent]
    expect(checkWatch(watch([[a1], [a2, c1], [b1]]), history)).toContainEqual('w: not ordered: put /w/b=1 @11 after revision 12')
    expect(checkWatch(watch([[a1], [b1], [b1], [a2, c1]]), history)).toContain('w: not unique: put /w/b=1 @11 delivered twice')
    expect(checkWatch(watch([[a1], [b1], [a2], [c1]]), history)).toContain('w: not atomic: revision 12 split over responses 2 and 3')
    expect(checkWatch(watch([[a1], [b1], [a2]]), history)).toContain('w: not atomic: put /w/c=1 @12 missing from the response with revision 12')
    expect(checkWatch(watch([[b1], [a2, c1]]), history)).toContain('w: not resumable: from revision 10 the first event was put /w/b=1 @11, expected put /w/a=1 @10')
    expect(checkWatch(watch([[a1], [a2, c1], [b2]]), history)).toContain('w: not reliable: 1 events up to revision 13 never delivered, first put /w/b=1 @11')
    // A response's header vouches for every event up to its revision, even with none after.
    expect(checkWatch(watch([[a1]], 10, 15), history)).toContainEqual(expect.stringMatching(/^w: not reliable: 5 events up to revision 15 never delivered/))
    expect(checkWatch(watch([[a1, put(11, '/w/b', 'forged')]]), history)).toContain('w: not reliable: put /w/b=forged @11 is in no history')
    expect(checkWatch(watch([[put(9, '/w/z', 'old')], [a1]]), [put(9, '/w/z', 'old'), ...history])).toContain('w: not resumable: put /w/z=old @9 is before the start revision 10')
  })

  it('merges sources into one history and reports where they disagree', () => {
    const merged = mergeHistory([
      {name: 'acknowledged writes', events: [put(10, '/w/a', '1'), put(12, '/w/a', '2')]},
      {name: 'watch 1', events: [put(12, '/w/a', '2'), put(11, '/w/b', '1')]},
    ])
    expect(merged).toEqual({events: [put(10, '/w/a', '1'), put(11, '/w/b', '1'), put(12, '/w/a', '2')], violations: []})
    expect(mergeHistory([{name: 'one', events: [put(10, '/w/a', '1')]}, {name: 'two', events: [del(10, '/w/a')]}]).violations).toEqual(['history: two says delete /w/a @10 but one says put /w/a=1 @10'])
    expect(finalValues(history)).toEqual(new Map([['/w/a', '3'], ['/w/c', '1'], ['/other', 'x']]))
  })
})
