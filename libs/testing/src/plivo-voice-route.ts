// The plivo Node SDK sends its voice-API calls (Applications among them) to
// https://api.plivo.com/v1/Account/ whatever its `url` option says. Tests route those calls to
// the gateway under test instead, in the SDK's own HTTP client (axios), leaving the rest of the
// SDK as it is; an application does the same with DNS or a proxy.
import { dirname } from 'node:path';

const PLIVO_VOICE_BASE = 'https://api.plivo.com/v1/Account/';

interface AxiosRequest {
  url?: string;
}
type Adapter = (config: AxiosRequest) => Promise<unknown>;
interface AxiosModule {
  defaults: { adapter?: unknown };
  getAdapter(name: string): Adapter;
}

/** Until the returned function is called, the SDK's voice-API calls go to `gatewayUrl` (`http://host:port`). */
export function routePlivoVoiceApi(gatewayUrl: string): () => void {
  // The axios instance the SDK itself loads (not a direct dependency of this repository).
  const axios = require(require.resolve('axios', { paths: [dirname(require.resolve('plivo'))] })) as AxiosModule;
  const original = axios.defaults.adapter;
  const http = axios.getAdapter('http');
  axios.defaults.adapter = (config: AxiosRequest) => {
    const url = config.url;
    return http(url?.startsWith(PLIVO_VOICE_BASE) ? { ...config, url: `${gatewayUrl}/v1/Account/${url.slice(PLIVO_VOICE_BASE.length)}` } : config);
  };
  return () => {
    axios.defaults.adapter = original;
  };
}
