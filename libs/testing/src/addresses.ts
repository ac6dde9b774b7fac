// Destination URLs for tests of the address policy and of the services that apply it.

/** Private, loopback, link-local and reserved addresses as URL literals, in the spellings that try to hide them. */
export const NON_PUBLIC_ADDRESS_URLS: readonly string[] = [
  'http://127.0.0.1:8080/x',
  'http://127.5.5.5/',
  'http://10.1.2.3/',
  'http://172.20.0.1/',
  'http://192.168.1.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://100.64.0.1/',
  'http://0.0.0.0/',
  'http://[::1]/',
  'http://[::]/',
  'http://[fe80::1]/',
  'http://[fd00::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:10.0.0.1]/',
  'http://[64:ff9b::a00:1]/',
  'http://2130706433/',
  'http://0x7f.1/',
];

/** URLs of schemes other than http and https. */
export const NON_HTTP_URLS: readonly string[] = ['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/'];

/** Public destinations, by name and by address literal (an IPv4-mapped one among them). */
export const PUBLIC_URLS: readonly string[] = ['https://example.com/cb', 'http://8.8.8.8/', 'http://93.184.216.34/', 'http://[2606:4700::1111]/', 'http://[::ffff:8.8.8.8]/'];
