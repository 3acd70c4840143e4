// /openapi/v3 (the index of group-version documents, each URL carrying the document's hash),
// /openapi/v3/<api/v1 | apis/GROUP/VERSION>, and /openapi/v2 (all of them in one Swagger 2.0
// document, JSON or gnostic's protobuf as the Accept header asks). Built-in documents never change
// and are built once; those of custom resource groups are built per request from the CRDs as they
// are now, and the v2 document is rebuilt only when one of them changed.
import {openApiDocument, openApiGroupVersions, openApiHash, type OpenApiDocument} from '../api/openapi.js'
import {openApiV2Document} from '../api/openapi-v2.js'
import {encodeOpenApiV2, openApiV2ProtobufContentType, openApiV2ProtobufMediaTypes} from '../api/openapi-v2-protobuf.js'
import type {Scheme} from '../api/scheme.js'
import {builtinGroups} from './custom-resource-serving.js'

export class OpenApiServing {
  private readonly builtinDocuments = new Map<string, {document: OpenApiDocument; hash: string}>()

  private v2: {key: string; json: unknown; protobuf: Uint8Array | null} | null = null

  constructor(private readonly scheme: Scheme) {}

  static handles(path: string): boolean {
    return path === '/openapi/v3' || path.startsWith('/openapi/v3/') || path.replace(/\/+$/, '') === '/openapi/v2'
  }

  /** /openapi/v2: the protobuf form when the Accept header names it (kubectl's), else JSON. */
  serveV2(accept: string): {body: unknown; contentType?: string} {
    const found = openApiGroupVersions(this.scheme).flatMap((path) => {
      const built = this.document(path)
      return built ? [built] : []
    })
    const key = found.map((built) => built.hash).join(',')
    if (this.v2?.key !== key) this.v2 = {key, json: openApiV2Document(found.map((built) => built.document), 'v1.32.0'), protobuf: null}
    if (!openApiV2ProtobufMediaTypes.some((type) => accept.includes(type))) return {body: this.v2.json}
    this.v2.protobuf ??= encodeOpenApiV2(this.v2.json as Parameters<typeof encodeOpenApiV2>[0])
    return {body: this.v2.protobuf, contentType: openApiV2ProtobufContentType}
  }

  /** The body for an /openapi/v3 path, or null for a path that names no document. */
  serve(path: string): unknown {
    const clean = path.replace(/\/+$/, '')
    if (clean === '/openapi/v3') {
      const paths: Record<string, {serverRelativeURL: string}> = {}
      for (const groupVersionPath of openApiGroupVersions(this.scheme)) {
        const found = this.document(groupVersionPath)
        if (found) paths[groupVersionPath] = {serverRelativeURL: `/openapi/v3/${groupVersionPath}?hash=${found.hash}`}
      }
      return {paths}
    }
    return this.document(clean.slice('/openapi/v3/'.length))?.document ?? null
  }

  private document(groupVersionPath: string): {document: OpenApiDocument; hash: string} | null {
    const match = /^(?:api\/([^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(groupVersionPath)
    if (!match) return null
    const [group, version] = match[1] !== undefined ? ['', match[1]] : [match[2]!, match[3]!]
    const cached = this.builtinDocuments.get(groupVersionPath)
    if (cached) return cached
    const document = openApiDocument(this.scheme, group, version)
    if (!document) return null
    const built = {document, hash: openApiHash(document)}
    if (builtinGroups.has(group)) this.builtinDocuments.set(groupVersionPath, built)
    return built
  }
}
