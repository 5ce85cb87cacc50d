import { createRequire } from 'node:module';

/** The slice of the worker's RPC shapes that `@azure/functions` uses (it has no published types). */
export interface RpcTypedData {
  string?: string | null;
  json?: string | null;
  bytes?: Uint8Array | null;
  http?: RpcHttpData | null;
  int?: number | null;
  double?: number | null;
}

export interface RpcHttpData {
  method?: string | null;
  url?: string | null;
  headers?: Record<string, string> | null;
  body?: RpcTypedData | null;
  params?: Record<string, string> | null;
  query?: Record<string, string> | null;
  statusCode?: string | null;
}

export interface RpcBindingInfo {
  type?: string | null;
  direction?: 'in' | 'out' | 'inout' | null;
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, RpcBindingInfo>;
}

export interface RpcInvocationResponse {
  outputData?: { name?: string | null; data?: RpcTypedData | null }[] | null;
  returnValue?: RpcTypedData | null;
}

interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: (...args: unknown[]) => unknown): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreCtx: unknown): InvocationModel;
}

export interface Registration {
  metadata: FunctionMetadata;
  callback: (...args: unknown[]) => unknown;
}

const registrations = new Map<string, Registration>();
/** registrations as a list, made again only after a change */
let registrationList: Registration[] | undefined;
let programmingModel: ProgrammingModel | undefined;
let installed = false;

const disposable = (dispose: () => void) => ({ dispose });

/** What the Functions worker hands to `@azure/functions` as the module `@azure/functions-core`. */
const coreApi = {
  version: '3.10.1',
  get hostVersion() {
    return '4.1037.0';
  },
  setProgrammingModel(model: ProgrammingModel) {
    programmingModel = model;
  },
  getProgrammingModel() {
    return programmingModel;
  },
  registerFunction(metadata: FunctionMetadata, callback: Registration['callback']) {
    if (registrations.has(metadata.name)) throw new Error(`A function named "${metadata.name}" is already registered`);
    registrations.set(metadata.name, { metadata, callback });
    registrationList = undefined;
    return disposable(() => {
      registrations.delete(metadata.name);
      registrationList = undefined;
    });
  },
  registerHook(_name: string, _callback: unknown) {
    return disposable(() => undefined);
  },
  log(level: string, category: string, message: string) {
    if (level === 'error' || level === 'warning' || process.env.LOCAL_HOST_VERBOSE === 'true')
      console.error(`[${category}:${level}] ${message}`);
  },
};

/**
 * Makes `require('@azure/functions-core')` answer with our host API, as the real worker does. It must run before
 * `@azure/functions` first looks for the module (it caches the answer), i.e. before the function app is imported.
 */
export function installCoreApi(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = Module._load;
  Module._load = function (request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return coreApi;
    return original.call(this, request, parent, isMain);
  };
  installed = true;
}

export function registeredFunctions(): readonly Registration[] {
  // why: read on every upstream call; a new array only when a registration came or went
  if (registrationList === undefined) registrationList = [...registrations.values()];
  return registrationList;
}

let invocationCounter = 0;

/** Runs one function the way the worker does: arguments from RPC data, the handler, then the RPC response. */
export async function invokeRegistered(
  reg: Registration,
  inputData: { name: string; data: RpcTypedData }[],
  triggerMetadata: Record<string, RpcTypedData> = {},
): Promise<RpcInvocationResponse> {
  if (!programmingModel) throw new Error('no programming model was set: is @azure/functions loaded?');
  const coreCtx = {
    invocationId: `local-${++invocationCounter}`,
    request: { inputData, triggerMetadata },
    metadata: reg.metadata,
    state: 'invocation',
    log: (level: string, category: string, message: string) => coreApi.log(level, category, message),
  };
  const model = programmingModel.getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  const result = await model.invokeFunction(context, inputs, reg.callback);
  return model.getResponse(context, result);
}

export function triggerBinding(reg: Registration): [string, RpcBindingInfo] {
  const found = Object.entries(reg.metadata.bindings).find(
    ([, b]) => b.direction === 'in' && typeof b.type === 'string' && b.type.toLowerCase().endsWith('trigger'),
  );
  if (!found) throw new Error(`function ${reg.metadata.name} has no trigger binding`);
  return found;
}

export function typedDataToValue(data: RpcTypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (typeof data.json === 'string') return JSON.parse(data.json) as unknown;
  if (typeof data.string === 'string') return data.string;
  if (data.bytes) return Buffer.from(data.bytes);
  if (typeof data.int === 'number') return data.int;
  if (typeof data.double === 'number') return data.double;
  return undefined;
}
