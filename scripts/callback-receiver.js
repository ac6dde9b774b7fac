// A tiny status-callback endpoint for local use: prints each callback Sluice sends it.
const http = require('node:http');

const port = Number(process.env.PORT || 8099);
http
  .createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const params = new URLSearchParams(req.method === 'GET' ? new URL(req.url, 'http://x').search : body);
      const time = new Date().toISOString();
      console.log(`${time} callback ${req.method} ${params.get('MessageUUID')} ${params.get('Status')} error_code=${params.get('ErrorCode')} sequence=${params.get('Sequence')}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  })
  .listen(port, '127.0.0.1', () => console.log(`callback receiver listening on http://127.0.0.1:${port}`));
