// The official Python plivo SDK (pinned in scripts/lib.sh) drives the Application and Number APIs
// against the gateway: test/python/applications_numbers.py makes the calls with only the SDK's
// base URIs changed, and this test checks what it got.
import { connectTestDatabase, registerTestSender } from '@sluice/testing-data';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { Admin, startTestGateway, TestGateway } from './gateway-harness';

interface ScriptResult {
  [call: string]: Record<string, unknown>;
}

function runScript(env: Record<string, string>): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'python3',
      [join(__dirname, 'python', 'applications_numbers.py')],
      { env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`the Python SDK script failed (is plivo installed? scripts/lib.sh ensure_python_sdk): ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as ScriptResult);
      },
    );
  });
}

describe('Plivo Python SDK against the Application, Number and Message APIs', () => {
  let gateway: TestGateway;
  let db: DataSource;

  beforeAll(async () => {
    [gateway, db] = await Promise.all([startTestGateway(), connectTestDatabase()]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([gateway?.close(), db?.destroy()]);
  });

  it('creates, reads, lists, changes and deletes an application, assigns a number to it, and sends from it', async () => {
    const account = await new Admin(gateway.url).account();
    const number = await registerTestSender(db, account.authId);
    const out = await runScript({ GATEWAY_URL: gateway.url, AUTH_ID: account.authId, AUTH_TOKEN: account.authToken, NUMBER: number, MESSAGE_URL: 'https://example.com/inbound' });
    const appId = String(out['create']?.['app_id']);

    expect(out['create']).toMatchObject({ message: 'created', app_id: expect.stringMatching(/^\d{17}$/), api_id: expect.any(String) });
    expect(out['get']).toEqual({
      app_id: appId,
      app_name: 'python-replies',
      message_url: 'https://example.com/inbound',
      message_method: 'GET',
      log_incoming_message: false,
      answer_url: 'https://example.com/answer',
      resource_uri: `/v1/Account/${account.authId}/Application/${appId}/`,
      sub_account: null,
    });
    expect(out['list']).toEqual({ total_count: 1, limit: 20, app_ids: [appId] });
    expect(out['list_by_name']).toEqual([appId]);
    expect(out['update']).toEqual({ message: 'changed' });
    expect(out['after_update']).toMatchObject({ message_url: 'https://example.com/inbound?v=2', message_method: 'POST', log_incoming_message: false });
    expect(out['bad_method']).toEqual({ error: 'ValidationError', message: 'message_method: must be GET or POST' });
    expect(out['missing_app']).toEqual({ error: 'ResourceNotFoundError', message: 'application not found' });

    expect(out['numbers']).toEqual({ total_count: 1, numbers: [number] });
    expect(out['number_before']).toEqual({ application: null });
    expect(out['assign']).toEqual({ message: 'changed' });
    expect(out['number_after']).toEqual({
      application: `/v1/Account/${account.authId}/Application/${appId}/`,
      alias: 'front desk',
      number_type: 'local',
      sms_enabled: true,
    });
    expect(out['assign_unknown_app']).toEqual({ error: 'ResourceNotFoundError', message: 'application not found' });
    expect(out['unknown_number']).toEqual({ error: 'ResourceNotFoundError', message: 'number not found' });

    expect(out['send']).toEqual({ message: 'message(s) queued', uuids: 2, api_id: expect.any(String) });
    expect(out['message_get']).toEqual({ message_uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), message_state: expect.stringMatching(/^(queued|sent|delivered)$/), from_number: number, units: 1 });
    expect(out['message_list']).toEqual({ limit: 5, count: 2 });
    expect(out['send_not_owned']).toEqual({ error: 'ValidationError', message: 'src: This caller ID is not allowed for outbound message' });

    expect(out['deleted_get']).toEqual({ error: 'ResourceNotFoundError', message: 'application not found' });
    expect(out['number_after_delete']).toEqual({ application: null });
  }, 90_000);
});
