import { PGlite } from '@electric-sql/pglite';
let t=Date.now(); const a = await PGlite.create(); console.log('create mem', Date.now()-t);
t=Date.now(); const blob = await a.dumpDataDir('none'); console.log('dump', Date.now()-t, blob.size);
t=Date.now(); const b = await PGlite.create({loadDataDir: blob}); console.log('load', Date.now()-t);
console.log((await b.query('select 1::int8 as x, 2.5::numeric as y, now() as z')).rows);
t=Date.now(); const c = await PGlite.create({loadDataDir: blob}); console.log('load2', Date.now()-t);
