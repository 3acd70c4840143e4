// Programs the simulated shell knows that an image does not ship: busybox has wget but no curl
// (and no bash), alpine likewise; curlimages/curl is alpine with curl. In such an image the
// program is "not found" (sh's 127, the runtime's exec error) as it would be.

const missingByImage: ReadonlyArray<{readonly repository: RegExp; readonly missing: readonly string[]}> = [
  {repository: /^(docker\.io\/)?(library\/)?busybox$/, missing: ['curl', 'bash']},
  {repository: /^(docker\.io\/)?(library\/)?alpine$/, missing: ['curl', 'bash']},
  {repository: /^(docker\.io\/)?curlimages\/curl$/, missing: ['bash']},
]

/**
 * Programs only some images ship: etcdctl comes with etcd's images (registry.k8s.io/etcd, the
 * static pods' image, and etcd's own releases); everywhere else it is not found.
 */
const shippedOnlyBy: Readonly<Record<string, RegExp>> = {
  etcdctl: /^(registry\.k8s\.io\/etcd|k8s\.gcr\.io\/etcd|quay\.io\/coreos\/etcd|gcr\.io\/etcd-development\/etcd|(docker\.io\/)?bitnami\/etcd)$/,
}

/** The image reference without its tag or digest (`busybox:1.36` → `busybox`). */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0]!
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.indexOf(':', lastSlash + 1)
  return colon < 0 ? withoutDigest : withoutDigest.slice(0, colon)
}

/** Whether `image` lacks the program (an unknown or absent image lacks nothing the shell knows but the programs only some images ship). */
export function imageLacks(image: string | undefined, program: string): boolean {
  const shippers = Object.hasOwn(shippedOnlyBy, program) ? shippedOnlyBy[program] : undefined
  if (!image) return shippers !== undefined
  const repository = repositoryOf(image)
  if (shippers) return !shippers.test(repository)
  return missingByImage.some((entry) => entry.repository.test(repository) && entry.missing.includes(program))
}
