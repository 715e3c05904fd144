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
        { path: 'orgs', name: 'orgs', component: () => import('./pages/Orgs.vue') },
        { path: 'deliveries', name: 'deliveries', component: () => import('./pages/Deliveries.vue') },
        { path: 'audit', name: 'audit', component: () => import('./pages/Audit.vue') },
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
