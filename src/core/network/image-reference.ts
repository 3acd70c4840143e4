// An image reference as the runtime reads it: the repository (registry host and `library/` left
// out) and the tag.

/** `docker.io/library/nginx:1.25-alpine` → {repository: 'nginx', tag: '1.25-alpine'}. */
export function parseImage(image: string): {repository: string; tag: string} {
  const withoutDigest = image.split('@')[0]!
  const slash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  const tag = colon > slash ? withoutDigest.slice(colon + 1) : 'latest'
  let repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest
  const first = repository.split('/')[0]!
  if (repository.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) repository = repository.slice(first.length + 1)
  if (repository.startsWith('library/')) repository = repository.slice('library/'.length)
  return {repository, tag}
}
