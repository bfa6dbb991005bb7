import type * as v from "valibot";
import { strictObject } from "../../config/schema-kit.ts";
import { credential, requiredMatching } from "../shared/config-fields.ts";

/** Project ids, domain-scoped ones (`example.com:my-project`) included. */
const PROJECT = /^[A-Za-z0-9][A-Za-z0-9.:_-]*$/;
/** Regions are host-name labels (`us-central1`, `europe-west4`, `global`). */
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A vertex block's own fields: both go into every URL (and the region into the default host). */
export const vertexSettings = strictObject({
  project: requiredMatching(
    PROJECT,
    "required for Vertex AI (the Google Cloud project id, e.g. my-project)",
    (value) => `"${value}" is not a Google Cloud project id (e.g. my-project, or example.com:my-project)`,
  ),
  region: requiredMatching(
    REGION,
    "required for Vertex AI (a location such as us-central1, or global)",
    (value) => `"${value}" is not a Google Cloud location (e.g. us-central1, or global)`,
  ),
});

/** A vertex key: a service-account key file (exchanged for tokens) or a ready OAuth access token. */
export const vertexKeyFields = strictObject({
  credentials_file: credential,
  access_token: credential,
});

export type VertexSettings = v.InferOutput<typeof vertexSettings>;
export type VertexKeyFields = v.InferOutput<typeof vertexKeyFields>;
