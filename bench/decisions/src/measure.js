// CPU and load measurement shared by the benchmarks: the Node process from process.cpuUsage(),
// other processes from /proc/<pid>/stat (utime + stime, and for a parent the reaped children).
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync } = require('node:fs');
const { loadavg } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../../..');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The addresses in .local/infra.env (written by `npm run infra:up`), overridden by the environment. */
function infraEnv() {
  const file = join(process.env.SLUICE_DATA_DIR ?? join(ROOT, '.local'), 'infra.env');
  const env = {};
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^(?:export\s+)?([A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) env[match[1]] = match[2];
    }
  }
  return { ...env, ...process.env };
}

/** Fields of /proc/<pid>/stat after the command name, or null if the process is gone. */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** utime + stime of a process in ms (plus cutime + cstime when `withReaped`). */
function procCpuMs(pid, withReaped = false) {
  const f = statFields(pid);
  if (!f) return 0;
  // After ")": state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  let ticks = Number(f[11]) + Number(f[12]);
  if (withReaped) ticks += Number(f[13]) + Number(f[14]);
  return (ticks * 1000) / CLK_TCK;
}

function childrenOf(parent) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (f && Number(f[1]) === parent) pids.push(Number(entry));
  }
  return pids;
}

function postmasterPid() {
  const file = join(process.env.SLUICE_DATA_DIR ?? join(ROOT, '.local'), 'postgres', 'postmaster.pid');
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

/**
 * CPU of the whole Postgres server: the postmaster, its live children and the children it has
 * reaped. Backends of other clients of the same server are in it too.
 */
function postgresCpuMs() {
  const pm = postmasterPid();
  let total = procCpuMs(pm, true);
  for (const child of childrenOf(pm)) total += procCpuMs(child);
  return total;
}

function redisPid() {
  return Number(execFileSync('pgrep', ['-f', 'redis-server 127.0.0.1:56379']).toString().trim().split('\n')[0]);
}

function nodeCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function load() {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

/** Runs `fn` and answers its wall time and the CPU of each probe over it. */
async function measured(probes, fn) {
  const before = Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p()]));
  const started = process.hrtime.bigint();
  const value = await fn();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuMs = Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p() - before[k]]));
  return { wallMs, cpuMs, value };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

module.exports = { ROOT, infraEnv, procCpuMs, postgresCpuMs, redisPid, nodeCpuMs, load, measured, sleep, median };
