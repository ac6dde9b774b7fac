export * from './address-policy';
export { bareHost, embeddedIpv4, hostOf } from './ip-address';
