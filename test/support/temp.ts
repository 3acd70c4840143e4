import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach} from 'vitest'

const created: string[] = []

/** A fresh folder for one test, removed afterwards. */
export function temporaryFolder(prefix = 'kubemu-test-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  created.push(folder)
  return folder
}

afterEach(() => {
  while (created.length > 0) rmSync(created.pop()!, {recursive: true, force: true})
})

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (value: Uint8Array): string => new TextDecoder().decode(value)
