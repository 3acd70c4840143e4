// /openapi/v3 (the index of group-version documents, each URL carrying the document's hash) and
// /openapi/v3/<api/v1 | apis/GROUP/VERSION>. Built-in documents never change and are built once;
// those of custom resource groups are built per request from the CRDs as they are now.
import {openApiDocument, openApiGroupVersions, openApiHash, type OpenApiDocument} from '../api/openapi.js'
import type {Scheme} from '../api/scheme.js'
import {builtinGroups} from './custom-resource-serving.js'

export class OpenApiServing {
  private readonly builtinDocuments = new Map<string, {document: OpenApiDocument; hash: string}>()

  constructor(private readonly scheme: Scheme) {}

  static handles(path: string): boolean {
    return path === '/openapi/v3' || path.startsWith('/openapi/v3/')
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
