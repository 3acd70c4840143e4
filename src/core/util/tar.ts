// The ustar archive format, as far as kubectl cp needs it on both ends (Go's archive/tar in
// kubectl, busybox tar in the container): regular files, directories and symbolic links, names up to 100 bytes
// (or split into the 155-byte prefix), octal fields, the header checksum, 512-byte blocks and the
// two zero blocks that end an archive. Pure.

/** A tar block. */
export const tarBlockBytes = 512
/** Members one archive may hold (reading stops there). */
export const tarMembersMax = 10_000

export interface TarMember {
  /** The member's name as stored (a directory's without its trailing '/'). */
  readonly name: string
  readonly directory: boolean
  readonly content: Buffer
  /** Set for a symbolic link: what it names (its content is empty). */
  readonly linkTarget?: string
}

export class TarFormatError extends Error {}

function writeText(block: Buffer, text: string, offset: number, width: number): void {
  Buffer.from(text).copy(block, offset, 0, width)
}

function writeOctal(block: Buffer, value: number, offset: number, width: number): void {
  writeText(block, `${value.toString(8).padStart(width - 1, '0')}\0`, offset, width)
}

/** One ustar header block. */
function headerBlock(member: TarMember, mtimeSeconds: number): Buffer {
  const block = Buffer.alloc(tarBlockBytes)
  let name = member.directory ? `${member.name}/` : member.name
  let prefix = ''
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', name.length - 2)
    if (cut <= 0 || Buffer.byteLength(name.slice(0, cut)) > 155 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new TarFormatError(`tar: ${member.name}: name too long`)
    prefix = name.slice(0, cut)
    name = name.slice(cut + 1)
  }
  writeText(block, name, 0, 100)
  const link = member.linkTarget !== undefined
  if (link && Buffer.byteLength(member.linkTarget!) > 100) throw new TarFormatError(`tar: ${member.name}: link target too long`)
  writeOctal(block, member.directory ? 0o755 : link ? 0o777 : 0o644, 100, 8)
  writeOctal(block, 0, 108, 8)
  writeOctal(block, 0, 116, 8)
  writeOctal(block, member.directory || link ? 0 : member.content.length, 124, 12)
  writeOctal(block, mtimeSeconds, 136, 12)
  block.write(member.directory ? '5' : link ? '2' : '0', 156, 'latin1')
  if (link) writeText(block, member.linkTarget!, 157, 100)
  writeText(block, 'ustar\u000000', 257, 8)
  writeText(block, 'root', 265, 32)
  writeText(block, 'root', 297, 32)
  writeText(block, prefix, 345, 155)
  block.fill(0x20, 148, 156)
  const checksum = block.reduce((sum, byte) => sum + byte, 0)
  writeText(block, `${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8)
  return block
}

/** The archive of `members`, in order, each stamped with `mtimeSeconds`. */
export function tarArchive(members: readonly TarMember[], mtimeSeconds: number): Buffer {
  const parts: Buffer[] = []
  for (const member of members) {
    parts.push(headerBlock(member, mtimeSeconds))
    if (member.directory || member.linkTarget !== undefined) continue
    parts.push(member.content, Buffer.alloc((tarBlockBytes - (member.content.length % tarBlockBytes)) % tarBlockBytes))
  }
  parts.push(Buffer.alloc(tarBlockBytes * 2))
  return Buffer.concat(parts)
}

/** The regular files, directories and symbolic links of an archive (other members are passed over). */
export function tarMembers(bytes: Buffer): TarMember[] {
  const members: TarMember[] = []
  if (bytes.length % tarBlockBytes !== 0 && bytes.length < tarBlockBytes) throw new TarFormatError('short read')
  let offset = 0
  while (offset + tarBlockBytes <= bytes.length && members.length < tarMembersMax) {
    const block = bytes.subarray(offset, offset + tarBlockBytes)
    if (block.every((byte) => byte === 0)) break
    const text = (start: number, width: number) => block.subarray(start, start + width).toString('utf8').replace(/\0[\s\S]*$/, '')
    if (!text(257, 6).startsWith('ustar')) throw new TarFormatError('invalid tar magic')
    const sizeBytes = Number.parseInt(text(124, 12).trim() || '0', 8)
    if (!Number.isFinite(sizeBytes) || sizeBytes < 0) throw new TarFormatError('invalid tar header')
    const prefix = text(345, 155)
    const name = (prefix ? `${prefix}/${text(0, 100)}` : text(0, 100)).replace(/\/+$/, '')
    const type = text(156, 1) || '0'
    const start = offset + tarBlockBytes
    if (start + sizeBytes > bytes.length) throw new TarFormatError('short read')
    if (type === '5' || type === '0') members.push({name, directory: type === '5', content: Buffer.from(bytes.subarray(start, start + sizeBytes))})
    else if (type === '2') members.push({name, directory: false, content: Buffer.alloc(0), linkTarget: text(157, 100)})
    offset = start + Math.ceil(sizeBytes / tarBlockBytes) * tarBlockBytes
  }
  return members
}
