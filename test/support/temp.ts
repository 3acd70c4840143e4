import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll} from 'vitest'

const created: string[] = []

/** A fresh folder, removed when the test file is done. */
export function temporaryFolder(prefix = 'kubemu-test-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix))
  created.push(folder)
  return folder
}

afterAll(() => {
  while (created.length > 0) rmSync(created.pop()!, {recursive: true, force: true})
})

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
export const text = (value: Uint8Array): string => new TextDecoder().decode(value)
