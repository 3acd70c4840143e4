import {describe, expect, it} from 'vitest'
import {batchedLinesMax, LineBatch} from '../../src/core/util/line-batch.js'

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('a batch of log lines', () => {
  it('writes the lines of one turn of the event loop in one write, in order', async () => {
    const writes: string[] = []
    const batch = new LineBatch((text) => writes.push(text))
    batch.line('a')
    batch.line('b')
    expect(writes).toEqual([])
    await turn()
    expect(writes).toEqual(['a\nb\n'])
    batch.line('c')
    await turn()
    expect(writes).toEqual(['a\nb\n', 'c\n'])
    await turn()
    expect(writes).toHaveLength(2)
  })

  it('writes at once past its bound, and on flush', () => {
    const writes: string[] = []
    const batch = new LineBatch((text) => writes.push(text))
    for (let line = 0; line < batchedLinesMax; line++) batch.line(String(line))
    expect(writes).toHaveLength(1)
    expect(writes[0]!.split('\n')).toHaveLength(batchedLinesMax + 1)
    batch.line('last')
    batch.flush()
    expect(writes[1]).toBe('last\n')
    batch.flush()
    expect(writes).toHaveLength(2)
  })
})
