import { createRouter, createWebHistory } from 'vue-router';
import { whenUnauthorized } from './api/client';
import { restore, signOut } from './session';

/** History paths under /console/ (the service answers index.html for any of them). */
export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/sign-in', name: 'sign-in', component: () => import('./pages/SignIn.vue') },
    {
      path: '/',
      component: () => import('./pages/Layout.vue'),
      children: [
        { path: '', redirect: '/complaints' },
        { path: 'complaints', name: 'complaints', component: () => import('./pages/Complaints.vue') },
        {
          path: 'complaints/:id(\\d+)',
          name: 'complaint',
          component: () => import('./pages/ComplaintDetail.vue'),
          props: (r) => ({ id: Number(r.params.id) }),
        },
        {
          path: 'orgs/:id(\\d+)?',
          name: 'orgs',
          component: () => import('./pages/Orgs.vue'),
          props: (r) => ({ id: r.params.id ? Number(r.params.id) : undefined }),
        },
        { path: 'companies', name: 'companies', component: () => import('./pages/Companies.vue') },
        { path: 'deliveries', name: 'deliveries', component: () => import('./pages/Deliveries.vue') },
        { path: 'audit', name: 'audit', component: () => import('./pages/Audit.vue') },
        { path: 'people', name: 'people', component: () => import('./pages/People.vue') },
        {
          path: 'register/:id(\\d+)?',
          name: 'register',
          component: () => import('./pages/Register.vue'),
          props: (r) => ({ id: r.params.id ? Number(r.params.id) : undefined }),
        },
        { path: 'votes', name: 'votes', component: () => import('./pages/Votes.vue') },
        {
          path: 'votes/:id(\\d+)',
          name: 'vote',
          component: () => import('./pages/VoteDetail.vue'),
          props: (r) => ({ id: Number(r.params.id) }),
        },
        { path: 'evaluations', name: 'evaluations', component: () => import('./pages/Evaluations.vue') },
        {
          path: 'evaluations/:id(\\d+)',
          name: 'evaluation',
          component: () => import('./pages/EvaluationDetail.vue'),
          props: (r) => ({ id: Number(r.params.id) }),
        },
        { path: 'metrics', name: 'metrics', component: () => import('./pages/Metrics.vue') },
        { path: 'reminders', name: 'reminders', component: () => import('./pages/Reminders.vue') },
        { path: 'party', name: 'party', component: () => import('./pages/Party.vue') },
        { path: 'flows', name: 'flows', component: () => import('./pages/Flows.vue') },
        {
          path: 'flows/:key([a-z][a-z0-9_-]{0,39})',
          name: 'flow',
          component: () => import('./pages/FlowsDetail.vue'),
          props: (r) => ({
            flowKey: String(r.params.key),
            orgId: r.query.orgId ? Number(r.query.orgId) : null,
          }),
        },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/complaints' },
  ],
});

router.beforeEach(async (to) => {
  if (to.name === 'sign-in') return true;
  if (await restore()) return true;
  return { name: 'sign-in', query: { next: to.fullPath } };
});

whenUnauthorized(() => {
  signOut();
  void router.push({ name: 'sign-in', query: { next: router.currentRoute.value.fullPath } });
});
