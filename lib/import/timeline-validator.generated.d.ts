// Types of the precompiled validator (see scripts/gen-timeline-validator.ts).

export interface TimelineSchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

export interface TimelineSchemaValidator {
  (data: unknown): boolean;
  errors?: TimelineSchemaError[] | null;
}

export declare const validate: TimelineSchemaValidator;
export default validate;
