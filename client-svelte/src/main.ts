// Entry point: mounts the app, or the guest shell on a review link's page (`/r/<token>`),
// which needs no account and reaches only the guest routes.
import { mount } from 'svelte';
import App from './App.svelte';
import GuestApp from './GuestApp.svelte';
import { guestToken } from './lib/net/guest';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing from index.html');
const token = guestToken(location.pathname);
export default token !== null ? mount(GuestApp, { target, props: { token } }) : mount(App, { target });
