// FNV-1a (32 bits): the small stable hash kube uses for pod-template-hash, and kubemu for values
// that must stay the same from run to run (simulated container IDs and resource use).

export function fnv32a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0
  for (const byte of Buffer.from(text, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash
}
