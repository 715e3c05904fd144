import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleBrowser, hasChromium, signIn } from '../support/browser.js';
import { ADMIN_TOKEN, startTelegramLinli, type TelegramLinli } from '../support/telegram-linli.js';
import { until } from '../support/until.js';

/**
 * The console's owners' votes (业主表决) and property-company evaluations in headless Chromium,
 * against Linli with the demo city seeded: 阳光小区 has five units and four voting owners (张伟 owns
 * two units, 164.75 ㎡; 王芳 120.00; 刘敏 98.00; 陈静 98.00: 480.75 ㎡ in all). A proposal is created
 * through the form, paper ballots are entered, the turnout bars move (checked against GET …/result),
 * the ballot log verifies and a receipt is found; a viewer gets no write buttons; a scheduled vote is
 * cancelled. Evaluations: a campaign set up through the API with one paper response, its ranking
 * and red list on the page, closed with its button.
 */
describe.runIf(hasChromium())('votes and evaluations in the console', () => {
  let t: TelegramLinli;
  let browser: ConsoleBrowser;
  const newPage = (viewport?: { width: number; height: number }) => browser.newPage(viewport);
  let sunshine: { id: number; name: string; parentId: number };
  let people: Record<string, number>;
  let proposalId: number;
  const TITLE = '加装电梯（1栋）';

  /** An el-input's <input> or <textarea> (Element Plus puts the attributes on it, not on the wrapper). */
  const field = (page: Page, name: string) =>
    page.locator(
      `input[data-test=${name}], textarea[data-test=${name}], [data-test=${name}] input, [data-test=${name}] textarea`,
    );

  /** What the turnout card shows for one axis: participating, total, pct. */
  async function shown(page: Page, axis: 'area' | 'owners') {
    const bar = page.locator(`[data-test=turnout-${axis}]`);
    return {
      participating: (await bar.locator('[data-test=participating]').textContent())?.trim(),
      total: (await bar.locator('[data-test=total]').textContent())?.trim(),
      pct: (await bar.locator('[data-test=pct]').textContent())?.trim(),
    };
  }

  /** The same from the API (GET /proposals/:id/result while open). */
  async function fromApi(id: number) {
    const r = await t.json('GET', `/proposals/${id}/result`);
    expect(r.status).toBe('open');
    return {
      area: {
        participating: r.turnout.area.participating,
        total: r.turnout.area.total,
        pct: `${r.turnout.area.pct}%`,
      },
      owners: {
        participating: String(r.turnout.owners.participating),
        total: String(r.turnout.owners.total),
        pct: `${r.turnout.owners.pct}%`,
      },
    };
  }

  beforeAll(async () => {
    t = await startTelegramLinli();
    browser = await ConsoleBrowser.launch();
    const compounds = (await t.json('GET', '/orgs?kind=compound')).items as {
      id: number;
      name: string;
      parentId: number;
    }[];
    sunshine = compounds.find((o) => o.name === '阳光小区')!;
    const units = (await t.json('GET', `/orgs/${sunshine.id}/units?limit=200`)).items as {
      owners: { personId: number; name: string }[];
    }[];
    people = Object.fromEntries(units.flatMap((u) => u.owners.map((o) => [o.name, o.personId])));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('creates a proposal through the form, enters paper ballots and sees the turnout bars move', async () => {
    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.locator('[data-test=menu-votes]').click();
    await page.waitForURL(/\/console\/votes/);
    // choose the compound by name
    await page.locator('[data-test=compound]').click();
    await page.locator('[data-test=compound] input').fill('阳光');
    await page.locator(`[data-test=compound-${sunshine.id}]`).click();
    await page.locator('[data-test=proposals]').getByText('暂无数据').waitFor();

    // a duplicate option: the API's refusal is shown in Chinese words, naming the field
    await page.locator('[data-test=new-proposal]').click();
    await field(page, 'p-title').fill(TITLE);
    await field(page, 'p-body').fill('1栋加装电梯，费用按楼层分摊。');
    await field(page, 'p-options').fill('同意\n同意');
    await page.locator('[data-test=p-create]').click();
    await expect
      .poll(() => page.locator('[data-test=form-error]').textContent())
      .toContain('输入有误：选项：选项重复');
    // …and beside the field it names
    await page.locator('[data-test=proposal-form] .el-form-item__error', { hasText: '选项重复' }).waitFor();
    expect((await t.json('GET', `/orgs/${sunshine.id}/proposals`)).items).toEqual([]);

    // the default options, Art. 278 ordinary, closing in a week: opens now
    await field(page, 'p-options').fill('');
    await page.locator('[data-test=p-create]').click();
    await page.waitForURL(/\/console\/votes\/\d+$/);
    proposalId = Number(new URL(page.url()).pathname.split('/').pop());
    await expect.poll(() => page.locator('[data-test=proposal-status]').textContent()).toContain('进行中');
    expect(await page.locator('[data-test=proposal-title]').textContent()).toBe(TITLE);
    const created = await t.json('GET', `/proposals/${proposalId}`);
    expect(created).toMatchObject({
      orgId: sunshine.id,
      title: TITLE,
      rule: 'art278-ordinary',
      status: 'open',
      options: ['同意', '反对', '弃权'],
    });

    // nobody has voted: both bars empty, with the two-thirds mark drawn
    let api = await fromApi(proposalId);
    expect(api.area).toEqual({ participating: '0.00', total: '480.75', pct: '0.0%' });
    expect(api.owners).toEqual({ participating: '0', total: '4', pct: '0.0%' });
    expect(await shown(page, 'area')).toEqual(api.area);
    expect(await shown(page, 'owners')).toEqual(api.owners);
    expect(await page.locator('[data-test=two-thirds]').count()).toBe(2);

    // 张伟's paper ballot (his two units, one vote)
    await page.locator('[data-test=b-voter]').click();
    await page.locator(`[data-test=voter-${people.张伟}]`).click();
    await page.locator('[data-test=b-option-同意]').click();
    await field(page, 'b-evidence').fill('纸质表决票 001，见证人 赵静');
    await page.locator('[data-test=b-enter]').click();
    await page.locator('[data-test=ballot-receipt]').waitFor();
    const receipt = (await page.locator('[data-test=ballot-receipt] strong').textContent())!.trim();
    expect(receipt).toMatch(/^[0-9A-Z]{8}$/);
    api = await fromApi(proposalId);
    expect(api.area).toEqual({ participating: '164.75', total: '480.75', pct: '34.3%' });
    expect(api.owners).toEqual({ participating: '1', total: '4', pct: '25.0%' });
    await expect.poll(() => shown(page, 'area')).toEqual(api.area);
    await expect.poll(() => shown(page, 'owners')).toEqual(api.owners);
    expect(await page.locator('[data-test=turnout-owners] [data-test=reached]').textContent()).toContain(
      '未达三分之二',
    );

    // another committee member enters 王芳's and 刘敏's ballots elsewhere: the open page picks them up
    for (const [name, option] of [
      ['王芳', '同意'],
      ['刘敏', '反对'],
    ] as const) {
      const r = await t.api('POST', `/proposals/${proposalId}/ballots`, {
        personId: people[name],
        option,
        evidence: `纸质表决票 ${name}`,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    api = await fromApi(proposalId);
    expect(api.owners).toEqual({ participating: '3', total: '4', pct: '75.0%' });
    expect(api.area).toEqual({ participating: '382.75', total: '480.75', pct: '79.6%' });
    await expect.poll(() => shown(page, 'owners'), { timeout: 12_000 }).toEqual(api.owners);
    expect(await shown(page, 'area')).toEqual(api.area);
    expect(await page.locator('[data-test=turnout-owners] [data-test=reached]').textContent()).toContain(
      '已达三分之二',
    );
    // the live tally and the outlook, as the API words them
    const live = await t.json('GET', `/proposals/${proposalId}/result`);
    expect(await page.locator('[data-test=outlook]').textContent()).toContain(live.outlook.words['zh-CN']);
    expect(live.options[0]).toMatchObject({ option: '同意', owners: 2, area: '284.75' });
    const tallyRow = page.locator('[data-test=tally] tr', { hasText: '同意' });
    expect(await tallyRow.textContent()).toContain(live.options[0].area);
    expect(await tallyRow.textContent()).toContain(live.options[0].areaPct);

    // the ballot log verifies, and the receipt is found as the counted ballot
    await page.locator('[data-test=verify]').click();
    await expect.poll(() => page.locator('[data-test=verify-status]').textContent()).toContain('核验通过');
    const verified = await t.json('GET', `/proposals/${proposalId}/audit/verify`);
    expect(verified).toMatchObject({ ok: true, entries: 3, ballotsMatchLog: true });
    expect(await page.locator('[data-test=verify-entries]').textContent()).toBe('3');
    // the log names the voters from the register, 张伟's ballot marked paper
    const log = page.locator('[data-test=log] tr', { hasText: receipt });
    expect(await log.textContent()).toContain(`张伟 (${people.张伟})`);
    expect(await log.textContent()).toContain('纸质');
    await field(page, 'receipt-code').fill(receipt);
    await page.locator('[data-test=receipt-check]').click();
    await expect
      .poll(() => page.locator('[data-test=receipt-result]').textContent())
      .toContain('日志中有此回执');
    expect(await page.locator('[data-test=receipt-result]').textContent()).toContain('计入');
    await field(page, 'receipt-code').fill('ZZZZZZZZ');
    await page.locator('[data-test=receipt-check]').click();
    await expect
      .poll(() => page.locator('[data-test=receipt-result]').textContent())
      .toContain('日志中没有此回执');
    // the list shows it
    await page.locator('.el-page-header__back').click();
    await page.locator(`[data-test=proposal-${proposalId}]`).waitFor();
    expect(problems).toEqual([]);
  });

  it('a viewer sees the vote but gets no write buttons', async () => {
    const { token } = await t.json('POST', '/tokens', {
      orgId: sunshine.id,
      role: 'viewer',
      label: '业委会查看',
    });
    const { page, problems } = await newPage({ width: 390, height: 844 }); // a phone
    await signIn(page, t.base, token);
    await page.goto(`${t.base}/console/votes`);
    // a compound token starts at its compound
    await page.locator(`[data-test=proposal-${proposalId}]`).click();
    await page.locator('[data-test=read-only]').waitFor();
    await page.locator('[data-test=turnout-owners]').waitFor();
    expect(await shown(page, 'owners')).toEqual((await fromApi(proposalId)).owners);
    expect(await page.locator('[data-test=paper-ballot]').count()).toBe(0);
    expect(await page.locator('[data-test=cancel-proposal]').count()).toBe(0);
    await page.goto(`${t.base}/console/votes`);
    await page.locator(`[data-test=proposal-${proposalId}]`).waitFor();
    expect(await page.locator('[data-test=new-proposal]').count()).toBe(0);
    // and the API refuses it all the same
    const r = await fetch(`${t.base}/api/v1/proposals/${proposalId}/ballots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ personId: people.陈静, option: '同意', evidence: 'x' }),
    });
    expect(r.status).toBe(403);
    expect(problems).toEqual([]);
  });

  it('cancels a vote that has not opened yet', async () => {
    const opensAt = new Date(Date.now() + 24 * 3600_000).toISOString();
    const closesAt = new Date(Date.now() + 8 * 24 * 3600_000).toISOString();
    const scheduled = await t.json('POST', '/proposals', {
      orgId: sunshine.id,
      title: '更换物业公司',
      rule: 'art278-ordinary',
      opensAt,
      closesAt,
    });
    expect(scheduled.status).toBe('scheduled');
    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.goto(`${t.base}/console/votes/${scheduled.id}`);
    await expect.poll(() => page.locator('[data-test=proposal-status]').textContent()).toContain('未开始');
    expect(await page.locator('[data-test=turnout]').textContent()).toContain('尚未开始');
    await page.locator('[data-test=cancel-proposal]').click();
    await page.locator('.el-message-box button', { hasText: '确定' }).click();
    await expect.poll(() => page.locator('[data-test=proposal-status]').textContent()).toContain('已取消');
    expect((await t.json('GET', `/proposals/${scheduled.id}`)).status).toBe('cancelled');
    expect(await page.locator('[data-test=cancel-proposal]').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('shows a closed vote’s result with its reason, on both axes', async () => {
    const closing = await t.json('POST', '/proposals', {
      orgId: sunshine.id,
      title: '使用维修资金修缮屋面',
      rule: 'art278-major',
      closesAt: new Date(Date.now() + 4000).toISOString(),
    });
    expect(closing.status).toBe('open');
    for (const [name, option] of [
      ['张伟', '同意'],
      ['王芳', '同意'],
      ['陈静', '反对'],
    ] as const)
      expect(
        (
          await t.api('POST', `/proposals/${closing.id}/ballots`, {
            personId: people[name],
            option,
            evidence: `纸质表决票 ${name}`,
          })
        ).status,
      ).toBe(201);
    await until(
      async () => (await t.json('GET', `/proposals/${closing.id}`)).status === 'closed',
      'the vote to close',
      30_000,
    );
    const result = await t.json('GET', `/proposals/${closing.id}/result`);
    expect(result).toMatchObject({ status: 'closed', final: true, quorumReached: true });
    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.goto(`${t.base}/console/votes/${closing.id}`);
    await expect.poll(() => page.locator('[data-test=proposal-status]').textContent()).toContain('已结束');
    expect(await page.locator('[data-test=passed]').textContent()).toContain(
      result.passed ? '通过' : '未通过',
    );
    expect(await page.locator('[data-test=reason]').textContent()).toContain(result.reason['zh-CN']);
    expect(await shown(page, 'area')).toEqual({
      participating: result.area.participating,
      total: result.area.total,
      pct: `${result.area.participationPct}%`,
    });
    expect(await shown(page, 'owners')).toEqual({
      participating: String(result.owners.participating),
      total: String(result.owners.total),
      pct: `${result.owners.participationPct}%`,
    });
    expect(await page.locator('[data-test=paper-ballot]').count()).toBe(0);
    await page.locator('[data-test=verify]').click();
    await expect.poll(() => page.locator('[data-test=verify-status]').textContent()).toContain('核验通过');
    // English on the header's switch: the API's English reason
    await page.locator('[data-test=lang]').first().click();
    await expect.poll(() => page.locator('[data-test=reason]').textContent()).toContain(result.reason.en);
    expect(problems).toEqual([]);
  });

  it('shows an evaluation campaign’s ranking with its red list, and closes it', async () => {
    const company = await t.json('POST', '/property-companies', {
      orgId: sunshine.parentId,
      name: '安居物业',
    });
    const contract = await t.api('POST', `/property-companies/${company.id}/contracts`, {
      compoundId: sunshine.id,
      startsOn: '2024-01-01',
    });
    expect(contract.status).toBe(201);
    const created = await t.api('POST', '/evaluations', {
      orgId: sunshine.id,
      title: '阳光小区物业服务评价',
      companyId: company.id,
      opensAt: new Date(Date.now() + 500).toISOString(),
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as number;
    await until(
      async () => (await t.json('GET', `/evaluations/${id}`)).status === 'open',
      'the campaign to open',
    );
    // a paper form for 101: every criterion 4
    const units = (await t.json('GET', `/orgs/${sunshine.id}/units?limit=200`)).items as {
      id: number;
      room: string;
    }[];
    const scores = Object.fromEntries((created.body.criteria as { key: string }[]).map((c) => [c.key, 4]));
    const response = await t.api('POST', `/evaluations/${id}/responses`, {
      unitId: units.find((u) => u.room === '101')!.id,
      scores,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);

    const { page, problems } = await newPage();
    await signIn(page, t.base, ADMIN_TOKEN);
    await page.locator('[data-test=menu-evaluations]').click();
    await page.locator(`[data-test=campaign-${id}]`).click();
    await expect.poll(() => page.locator('[data-test=campaign-status]').textContent()).toContain('进行中');
    // 102's paper form through the page: a criterion left out is refused, naming it
    const keys = (created.body.criteria as { key: string }[]).map((c) => c.key);
    const unit102 = units.find((u) => u.room === '102')!.id;
    await page.locator('[data-test=e-unit]').click();
    await page.locator(`[data-test=unit-${unit102}]`).click();
    for (const key of keys.slice(0, -1)) await page.locator(`[data-test=score-${key}-5]`).click();
    await page.locator('[data-test=e-enter]').click();
    await expect
      .poll(() => page.locator('[data-test=paper-error]').textContent())
      .toContain(`scores.${keys.at(-1)}`);
    await page.locator(`[data-test=score-${keys.at(-1)}-5]`).click();
    await page.locator('[data-test=e-enter]').click();
    await expect.poll(async () => (await t.json('GET', `/evaluations/${id}`)).targets[0].responses).toBe(2);
    const ranking = await t.json('GET', `/evaluations/${id}/ranking?by=company`);
    expect(ranking.red.map((r: { name: string }) => r.name)).toEqual(['安居物业']);
    expect(ranking.red[0].responses).toBe(2);
    const red = page.locator('[data-test=red-list]');
    await expect.poll(() => red.textContent()).toContain('安居物业');
    await expect.poll(() => red.textContent()).toContain(ranking.red[0].score.toFixed(2));
    expect(await page.locator('[data-test=results-compounds]').textContent()).toContain('阳光小区');
    await page.locator('[data-test=by-compound]').click();
    await expect.poll(() => page.locator('[data-test=ranking-items]').textContent()).toContain('阳光小区');
    // a viewer of the compound sees the open campaign without its paper form, close or cancel
    const { token } = await t.json('POST', '/tokens', {
      orgId: sunshine.id,
      role: 'viewer',
      label: '评价查看',
    });
    const viewer = await newPage();
    await signIn(viewer.page, t.base, token);
    await viewer.page.goto(`${t.base}/console/evaluations/${id}`);
    await viewer.page.locator('[data-test=read-only]').waitFor();
    await expect.poll(() => viewer.page.locator('[data-test=red-list]').textContent()).toContain('安居物业');
    for (const sel of ['paper-form', 'close-campaign', 'cancel-campaign'])
      expect(await viewer.page.locator(`[data-test=${sel}]`).count(), sel).toBe(0);
    expect(viewer.problems).toEqual([]);

    await page.locator('[data-test=close-campaign]').click();
    await page.locator('.el-message-box button', { hasText: '确定' }).click();
    await expect.poll(() => page.locator('[data-test=campaign-status]').textContent()).toContain('已结束');
    expect((await t.json('GET', `/evaluations/${id}`)).status).toBe('closed');
    expect(problems).toEqual([]);
  });
});
