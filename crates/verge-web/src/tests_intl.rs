//! JS-level tests of `Intl` and the locale-sensitive `Date`/`Number` methods (src/intl.rs,
//! js/intl.js). The tables below were produced by Node 20.20 (V8, ICU 78.2, CLDR 48):
//! `new Intl.DateTimeFormat(locale, {timeZone: "UTC", ...options}).format(t)` over two
//! instants, `Date.prototype.toLocale*String`, `Intl.NumberFormat` and
//! `Intl.RelativeTimeFormat`, and are kept verbatim: every row must match byte for byte.

use std::sync::Arc;

use verge_js::testing::run_js;

/// Node-produced expectations: `dt` rows are `[locale, options, epochMs, expected]`; `locale`
/// rows `[method, locale, options, epochMs, expected]`; `nf` rows `[locale, options,
/// expected for each of nums]`.
const NODE_TABLE: &str = r##"{"dt":[["en-US",{},1709647629123,"3/5/2024"],["en-US",{},1720926245000,"7/14/2024"],["en-US",{"timeZone":"America/New_York"},1709647629123,"3/5/2024"],["en-US",{"timeZone":"America/New_York"},1720926245000,"7/13/2024"],["en-US",{"dateStyle":"full"},1709647629123,"Tuesday, March 5, 2024"],["en-US",{"dateStyle":"full"},1720926245000,"Sunday, July 14, 2024"],["en-US",{"dateStyle":"long"},1709647629123,"March 5, 2024"],["en-US",{"dateStyle":"long"},1720926245000,"July 14, 2024"],["en-US",{"dateStyle":"medium"},1709647629123,"Mar 5, 2024"],["en-US",{"dateStyle":"medium"},1720926245000,"Jul 14, 2024"],["en-US",{"dateStyle":"short"},1709647629123,"3/5/24"],["en-US",{"dateStyle":"short"},1720926245000,"7/14/24"],["en-US",{"timeStyle":"full"},1709647629123,"2:07:09 PM Coordinated Universal Time"],["en-US",{"timeStyle":"full"},1720926245000,"3:04:05 AM Coordinated Universal Time"],["en-US",{"timeStyle":"long"},1709647629123,"2:07:09 PM UTC"],["en-US",{"timeStyle":"long"},1720926245000,"3:04:05 AM UTC"],["en-US",{"timeStyle":"medium"},1709647629123,"2:07:09 PM"],["en-US",{"timeStyle":"medium"},1720926245000,"3:04:05 AM"],["en-US",{"timeStyle":"short"},1709647629123,"2:07 PM"],["en-US",{"timeStyle":"short"},1720926245000,"3:04 AM"],["en-US",{"dateStyle":"full","timeStyle":"long"},1709647629123,"Tuesday, March 5, 2024 at 2:07:09 PM UTC"],["en-US",{"dateStyle":"full","timeStyle":"long"},1720926245000,"Sunday, July 14, 2024 at 3:04:05 AM UTC"],["en-US",{"dateStyle":"medium","timeStyle":"short"},1709647629123,"Mar 5, 2024, 2:07 PM"],["en-US",{"dateStyle":"medium","timeStyle":"short"},1720926245000,"Jul 14, 2024, 3:04 AM"],["en-US",{"dateStyle":"short","timeStyle":"short"},1709647629123,"3/5/24, 2:07 PM"],["en-US",{"dateStyle":"short","timeStyle":"short"},1720926245000,"7/14/24, 3:04 AM"],["en-US",{"dateStyle":"long","timeStyle":"medium"},1709647629123,"March 5, 2024 at 2:07:09 PM"],["en-US",{"dateStyle":"long","timeStyle":"medium"},1720926245000,"July 14, 2024 at 3:04:05 AM"],["en-US",{"dateStyle":"medium","timeStyle":"full","timeZone":"America/New_York"},1709647629123,"Mar 5, 2024, 9:07:09 AM Eastern Standard Time"],["en-US",{"dateStyle":"medium","timeStyle":"full","timeZone":"America/New_York"},1720926245000,"Jul 13, 2024, 11:04:05 PM Eastern Daylight Time"],["en-US",{"year":"numeric","month":"long","day":"numeric"},1709647629123,"March 5, 2024"],["en-US",{"year":"numeric","month":"long","day":"numeric"},1720926245000,"July 14, 2024"],["en-US",{"year":"numeric","month":"short","day":"numeric"},1709647629123,"Mar 5, 2024"],["en-US",{"year":"numeric","month":"short","day":"numeric"},1720926245000,"Jul 14, 2024"],["en-US",{"year":"numeric","month":"2-digit","day":"2-digit"},1709647629123,"03/05/2024"],["en-US",{"year":"numeric","month":"2-digit","day":"2-digit"},1720926245000,"07/14/2024"],["en-US",{"year":"2-digit","month":"numeric","day":"numeric"},1709647629123,"3/5/24"],["en-US",{"year":"2-digit","month":"numeric","day":"numeric"},1720926245000,"7/14/24"],["en-US",{"weekday":"long"},1709647629123,"Tuesday"],["en-US",{"weekday":"long"},1720926245000,"Sunday"],["en-US",{"weekday":"short","month":"short","day":"numeric"},1709647629123,"Tue, Mar 5"],["en-US",{"weekday":"short","month":"short","day":"numeric"},1720926245000,"Sun, Jul 14"],["en-US",{"weekday":"narrow"},1709647629123,"T"],["en-US",{"weekday":"narrow"},1720926245000,"S"],["en-US",{"weekday":"long","year":"numeric","month":"long","day":"numeric"},1709647629123,"Tuesday, March 5, 2024"],["en-US",{"weekday":"long","year":"numeric","month":"long","day":"numeric"},1720926245000,"Sunday, July 14, 2024"],["en-US",{"month":"long"},1709647629123,"March"],["en-US",{"month":"long"},1720926245000,"July"],["en-US",{"month":"narrow"},1709647629123,"M"],["en-US",{"month":"narrow"},1720926245000,"J"],["en-US",{"month":"short","year":"numeric"},1709647629123,"Mar 2024"],["en-US",{"month":"short","year":"numeric"},1720926245000,"Jul 2024"],["en-US",{"year":"numeric"},1709647629123,"2024"],["en-US",{"year":"numeric"},1720926245000,"2024"],["en-US",{"month":"long","day":"numeric"},1709647629123,"March 5"],["en-US",{"month":"long","day":"numeric"},1720926245000,"July 14"],["en-US",{"hour":"numeric","minute":"2-digit"},1709647629123,"2:07 PM"],["en-US",{"hour":"numeric","minute":"2-digit"},1720926245000,"3:04 AM"],["en-US",{"hour":"2-digit","minute":"2-digit"},1709647629123,"02:07 PM"],["en-US",{"hour":"2-digit","minute":"2-digit"},1720926245000,"03:04 AM"],["en-US",{"hour":"numeric"},1709647629123,"2 PM"],["en-US",{"hour":"numeric"},1720926245000,"3 AM"],["en-US",{"hour":"numeric","minute":"2-digit","hour12":false},1709647629123,"14:07"],["en-US",{"hour":"numeric","minute":"2-digit","hour12":false},1720926245000,"03:04"],["en-US",{"hour":"2-digit","minute":"2-digit","second":"2-digit","hour12":false},1709647629123,"14:07:09"],["en-US",{"hour":"2-digit","minute":"2-digit","second":"2-digit","hour12":false},1720926245000,"03:04:05"],["en-US",{"hour":"numeric","minute":"2-digit","second":"2-digit","fractionalSecondDigits":3},1709647629123,"2:07:09.123 PM"],["en-US",{"hour":"numeric","minute":"2-digit","second":"2-digit","fractionalSecondDigits":3},1720926245000,"3:04:05.000 AM"],["en-US",{"hour12":false},1709647629123,"3/5/2024"],["en-US",{"hour12":false},1720926245000,"7/14/2024"],["en-US",{"timeZoneName":"short"},1709647629123,"3/5/2024, UTC"],["en-US",{"timeZoneName":"short"},1720926245000,"7/14/2024, UTC"],["en-US",{"hour":"numeric","minute":"numeric","timeZoneName":"short","timeZone":"America/Los_Angeles"},1709647629123,"6:07 AM PST"],["en-US",{"hour":"numeric","minute":"numeric","timeZoneName":"short","timeZone":"America/Los_Angeles"},1720926245000,"8:04 PM PDT"],["en-US",{"timeZone":"Asia/Kolkata","timeZoneName":"short"},1709647629123,"3/5/2024, GMT+5:30"],["en-US",{"timeZone":"Asia/Kolkata","timeZoneName":"short"},1720926245000,"7/14/2024, GMT+5:30"],["en-US",{"timeZone":"Europe/Berlin","dateStyle":"medium","timeStyle":"long"},1709647629123,"Mar 5, 2024, 3:07:09 PM GMT+1"],["en-US",{"timeZone":"Europe/Berlin","dateStyle":"medium","timeStyle":"long"},1720926245000,"Jul 14, 2024, 5:04:05 AM GMT+2"],["en-US",{"timeZone":"Europe/London","timeStyle":"long"},1709647629123,"2:07:09 PM GMT"],["en-US",{"timeZone":"Europe/London","timeStyle":"long"},1720926245000,"4:04:05 AM GMT+1"],["en-US",{"timeZone":"Asia/Tokyo","hour":"numeric","timeZoneName":"long"},1709647629123,"11 PM Japan Standard Time"],["en-US",{"timeZone":"Asia/Tokyo","hour":"numeric","timeZoneName":"long"},1720926245000,"12 PM Japan Standard Time"],["en-US",{"timeZone":"America/Chicago","hour":"numeric","timeZoneName":"shortOffset"},1709647629123,"8 AM GMT-6"],["en-US",{"timeZone":"America/Chicago","hour":"numeric","timeZoneName":"shortOffset"},1720926245000,"10 PM GMT-5"],["en-US",{"timeZone":"Asia/Kolkata","hour":"numeric","timeZoneName":"longOffset"},1709647629123,"7 PM GMT+05:30"],["en-US",{"timeZone":"Asia/Kolkata","hour":"numeric","timeZoneName":"longOffset"},1720926245000,"8 AM GMT+05:30"],["en-US",{"year":"numeric","month":"numeric","day":"numeric","hour":"numeric","minute":"numeric","second":"numeric"},1709647629123,"3/5/2024, 2:07:09 PM"],["en-US",{"year":"numeric","month":"numeric","day":"numeric","hour":"numeric","minute":"numeric","second":"numeric"},1720926245000,"7/14/2024, 3:04:05 AM"],["en-US",{"month":"short","day":"numeric","hour":"numeric","minute":"2-digit"},1709647629123,"Mar 5, 2:07 PM"],["en-US",{"month":"short","day":"numeric","hour":"numeric","minute":"2-digit"},1720926245000,"Jul 14, 3:04 AM"],["en-GB",{},1709647629123,"05/03/2024"],["en-GB",{},1720926245000,"14/07/2024"],["en-GB",{"timeZone":"America/New_York"},1709647629123,"05/03/2024"],["en-GB",{"timeZone":"America/New_York"},1720926245000,"13/07/2024"],["en-GB",{"dateStyle":"full"},1709647629123,"Tuesday, 5 March 2024"],["en-GB",{"dateStyle":"full"},1720926245000,"Sunday, 14 July 2024"],["en-GB",{"dateStyle":"long"},1709647629123,"5 March 2024"],["en-GB",{"dateStyle":"long"},1720926245000,"14 July 2024"],["en-GB",{"dateStyle":"medium"},1709647629123,"5 Mar 2024"],["en-GB",{"dateStyle":"medium"},1720926245000,"14 Jul 2024"],["en-GB",{"dateStyle":"short"},1709647629123,"05/03/2024"],["en-GB",{"dateStyle":"short"},1720926245000,"14/07/2024"],["en-GB",{"timeStyle":"full"},1709647629123,"14:07:09 Coordinated Universal Time"],["en-GB",{"timeStyle":"full"},1720926245000,"03:04:05 Coordinated Universal Time"],["en-GB",{"timeStyle":"long"},1709647629123,"14:07:09 UTC"],["en-GB",{"timeStyle":"long"},1720926245000,"03:04:05 UTC"],["en-GB",{"timeStyle":"medium"},1709647629123,"14:07:09"],["en-GB",{"timeStyle":"medium"},1720926245000,"03:04:05"],["en-GB",{"timeStyle":"short"},1709647629123,"14:07"],["en-GB",{"timeStyle":"short"},1720926245000,"03:04"],["en-GB",{"dateStyle":"full","timeStyle":"long"},1709647629123,"Tuesday, 5 March 2024 at 14:07:09 UTC"],["en-GB",{"dateStyle":"full","timeStyle":"long"},1720926245000,"Sunday, 14 July 2024 at 03:04:05 UTC"],["en-GB",{"dateStyle":"medium","timeStyle":"short"},1709647629123,"5 Mar 2024, 14:07"],["en-GB",{"dateStyle":"medium","timeStyle":"short"},1720926245000,"14 Jul 2024, 03:04"],["en-GB",{"dateStyle":"short","timeStyle":"short"},1709647629123,"05/03/2024, 14:07"],["en-GB",{"dateStyle":"short","timeStyle":"short"},1720926245000,"14/07/2024, 03:04"],["en-GB",{"dateStyle":"long","timeStyle":"medium"},1709647629123,"5 March 2024 at 14:07:09"],["en-GB",{"dateStyle":"long","timeStyle":"medium"},1720926245000,"14 July 2024 at 03:04:05"],["en-GB",{"dateStyle":"medium","timeStyle":"full","timeZone":"America/New_York"},1709647629123,"5 Mar 2024, 09:07:09 Eastern Standard Time"],["en-GB",{"dateStyle":"medium","timeStyle":"full","timeZone":"America/New_York"},1720926245000,"13 Jul 2024, 23:04:05 Eastern Daylight Time"],["en-GB",{"year":"numeric","month":"long","day":"numeric"},1709647629123,"5 March 2024"],["en-GB",{"year":"numeric","month":"long","day":"numeric"},1720926245000,"14 July 2024"],["en-GB",{"year":"numeric","month":"short","day":"numeric"},1709647629123,"5 Mar 2024"],["en-GB",{"year":"numeric","month":"short","day":"numeric"},1720926245000,"14 Jul 2024"],["en-GB",{"year":"numeric","month":"2-digit","day":"2-digit"},1709647629123,"05/03/2024"],["en-GB",{"year":"numeric","month":"2-digit","day":"2-digit"},1720926245000,"14/07/2024"],["en-GB",{"year":"2-digit","month":"numeric","day":"numeric"},1709647629123,"05/03/24"],["en-GB",{"year":"2-digit","month":"numeric","day":"numeric"},1720926245000,"14/07/24"],["en-GB",{"weekday":"long"},1709647629123,"Tuesday"],["en-GB",{"weekday":"long"},1720926245000,"Sunday"],["en-GB",{"weekday":"short","month":"short","day":"numeric"},1709647629123,"Tue 5 Mar"],["en-GB",{"weekday":"short","month":"short","day":"numeric"},1720926245000,"Sun 14 Jul"],["en-GB",{"weekday":"narrow"},1709647629123,"T"],["en-GB",{"weekday":"narrow"},1720926245000,"S"],["en-GB",{"weekday":"long","year":"numeric","month":"long","day":"numeric"},1709647629123,"Tuesday, 5 March 2024"],["en-GB",{"weekday":"long","year":"numeric","month":"long","day":"numeric"},1720926245000,"Sunday, 14 July 2024"],["en-GB",{"month":"long"},1709647629123,"March"],["en-GB",{"month":"long"},1720926245000,"July"],["en-GB",{"month":"narrow"},1709647629123,"M"],["en-GB",{"month":"narrow"},1720926245000,"J"],["en-GB",{"month":"short","year":"numeric"},1709647629123,"Mar 2024"],["en-GB",{"month":"short","year":"numeric"},1720926245000,"Jul 2024"],["en-GB",{"year":"numeric"},1709647629123,"2024"],["en-GB",{"year":"numeric"},1720926245000,"2024"],["en-GB",{"month":"long","day":"numeric"},1709647629123,"5 March"],["en-GB",{"month":"long","day":"numeric"},1720926245000,"14 July"],["en-GB",{"hour":"numeric","minute":"2-digit"},1709647629123,"14:07"],["en-GB",{"hour":"numeric","minute":"2-digit"},1720926245000,"3:04"],["en-GB",{"hour":"2-digit","minute":"2-digit"},1709647629123,"14:07"],["en-GB",{"hour":"2-digit","minute":"2-digit"},1720926245000,"03:04"],["en-GB",{"hour":"numeric"},1709647629123,"14"],["en-GB",{"hour":"numeric"},1720926245000,"03"],["en-GB",{"hour":"numeric","minute":"2-digit","hour12":false},1709647629123,"14:07"],["en-GB",{"hour":"numeric","minute":"2-digit","hour12":false},1720926245000,"3:04"],["en-GB",{"hour":"2-digit","minute":"2-digit","second":"2-digit","hour12":false},1709647629123,"14:07:09"],["en-GB",{"hour":"2-digit","minute":"2-digit","second":"2-digit","hour12":false},1720926245000,"03:04:05"],["en-GB",{"hour":"numeric","minute":"2-digit","second":"2-digit","fractionalSecondDigits":3},1709647629123,"14:07:09.123"],["en-GB",{"hour":"numeric","minute":"2-digit","second":"2-digit","fractionalSecondDigits":3},1720926245000,"3:04:05.000"],["en-GB",{"hour12":false},1709647629123,"05/03/2024"],["en-GB",{"hour12":false},1720926245000,"14/07/2024"],["en-GB",{"timeZoneName":"short"},1709647629123,"05/03/2024, UTC"],["en-GB",{"timeZoneName":"short"},1720926245000,"14/07/2024, UTC"],["en-GB",{"hour":"numeric","minute":"numeric","timeZoneName":"short","timeZone":"America/Los_Angeles"},1709647629123,"06:07 GMT-8"],["en-GB",{"hour":"numeric","minute":"numeric","timeZoneName":"short","timeZone":"America/Los_Angeles"},1720926245000,"20:04 GMT-7"],["en-GB",{"timeZone":"Asia/Kolkata","timeZoneName":"short"},1709647629123,"05/03/2024, GMT+5:30"],["en-GB",{"timeZone":"Asia/Kolkata","timeZoneName":"short"},1720926245000,"14/07/2024, GMT+5:30"],["en-GB",{"timeZone":"Europe/Berlin","dateStyle":"medium","timeStyle":"long"},1709647629123,"5 Mar 2024, 15:07:09 CET"],["en-GB",{"timeZone":"Europe/Berlin","dateStyle":"medium","timeStyle":"long"},1720926245000,"14 Jul 2024, 05:04:05 CEST"],["en-GB",{"timeZone":"Europe/London","timeStyle":"long"},1709647629123,"14:07:09 GMT"],["en-GB",{"timeZone":"Europe/London","timeStyle":"long"},1720926245000,"04:04:05 BST"],["en-GB",{"timeZone":"Asia/Tokyo","hour":"numeric","timeZoneName":"long"},1709647629123,"23h Japan Standard Time"],["en-GB",{"timeZone":"Asia/Tokyo","hour":"numeric","timeZoneName":"long"},1720926245000,"12h Japan Standard Time"],["en-GB",{"timeZone":"America/Chicago","hour":"numeric","timeZoneName":"shortOffset"},1709647629123,"08h GMT-6"],["en-GB",{"timeZone":"America/Chicago","hour":"numeric","timeZoneName":"shortOffset"},1720926245000,"22h GMT-5"],["en-GB",{"timeZone":"Asia/Kolkata","hour":"numeric","timeZoneName":"longOffset"},1709647629123,"19h GMT+05:30"],["en-GB",{"timeZone":"Asia/Kolkata","hour":"numeric","timeZoneName":"longOffset"},1720926245000,"08h GMT+05:30"],["en-GB",{"year":"numeric","month":"numeric","day":"numeric","hour":"numeric","minute":"numeric","second":"numeric"},1709647629123,"05/03/2024, 14:07:09"],["en-GB",{"year":"numeric","month":"numeric","day":"numeric","hour":"numeric","minute":"numeric","second":"numeric"},1720926245000,"14/07/2024, 03:04:05"],["en-GB",{"month":"short","day":"numeric","hour":"numeric","minute":"2-digit"},1709647629123,"5 Mar, 14:07"],["en-GB",{"month":"short","day":"numeric","hour":"numeric","minute":"2-digit"},1720926245000,"14 Jul, 3:04"]],"locale":[["toLocaleString","en-US",{"timeZone":"America/New_York"},0,"12/31/1969, 7:00:00 PM"],["toLocaleString","en-US",{"timeZone":"America/New_York"},1709647629123,"3/5/2024, 9:07:09 AM"],["toLocaleString","en-US",{"timeZone":"America/New_York"},1720926245000,"7/13/2024, 11:04:05 PM"],["toLocaleString","en-US",{},0,"1/1/1970, 12:00:00 AM"],["toLocaleString","en-US",{},1709647629123,"3/5/2024, 2:07:09 PM"],["toLocaleString","en-US",{},1720926245000,"7/14/2024, 3:04:05 AM"],["toLocaleString",null,null,0,"1/1/1970, 12:00:00 AM"],["toLocaleString",null,null,1709647629123,"3/5/2024, 2:07:09 PM"],["toLocaleString",null,null,1720926245000,"7/14/2024, 3:04:05 AM"],["toLocaleDateString","en-US",{"timeZone":"Asia/Tokyo"},0,"1/1/1970"],["toLocaleDateString","en-US",{"timeZone":"Asia/Tokyo"},1709647629123,"3/5/2024"],["toLocaleDateString","en-US",{"timeZone":"Asia/Tokyo"},1720926245000,"7/14/2024"],["toLocaleTimeString","en-US",{"timeZone":"America/Los_Angeles"},0,"4:00:00 PM"],["toLocaleTimeString","en-US",{"timeZone":"America/Los_Angeles"},1709647629123,"6:07:09 AM"],["toLocaleTimeString","en-US",{"timeZone":"America/Los_Angeles"},1720926245000,"8:04:05 PM"],["toLocaleTimeString","en-US",{"hour":"2-digit","minute":"2-digit"},0,"12:00 AM"],["toLocaleTimeString","en-US",{"hour":"2-digit","minute":"2-digit"},1709647629123,"02:07 PM"],["toLocaleTimeString","en-US",{"hour":"2-digit","minute":"2-digit"},1720926245000,"03:04 AM"],["toLocaleDateString","en-GB",{},0,"01/01/1970"],["toLocaleDateString","en-GB",{},1709647629123,"05/03/2024"],["toLocaleDateString","en-GB",{},1720926245000,"14/07/2024"],["toLocaleString","en-GB",{"timeZone":"Europe/London"},0,"01/01/1970, 01:00:00"],["toLocaleString","en-GB",{"timeZone":"Europe/London"},1709647629123,"05/03/2024, 14:07:09"],["toLocaleString","en-GB",{"timeZone":"Europe/London"},1720926245000,"14/07/2024, 04:04:05"],["toLocaleDateString","en-US",{"weekday":"long","month":"long","day":"numeric"},0,"Thursday, January 1"],["toLocaleDateString","en-US",{"weekday":"long","month":"long","day":"numeric"},1709647629123,"Tuesday, March 5"],["toLocaleDateString","en-US",{"weekday":"long","month":"long","day":"numeric"},1720926245000,"Sunday, July 14"],["toLocaleString","en-US",{"timeZoneName":"short"},0,"1/1/1970, 12:00:00 AM UTC"],["toLocaleString","en-US",{"timeZoneName":"short"},1709647629123,"3/5/2024, 2:07:09 PM UTC"],["toLocaleString","en-US",{"timeZoneName":"short"},1720926245000,"7/14/2024, 3:04:05 AM UTC"]],"nums":["1234567.891","-0.5","0","1.005","0.125","1e+21","-1234.5","999.9996","12","0.000001234","NaN","-Infinity","-0"],"nf":[["en-US",{},["1,234,567.891","-0.5","0","1.005","0.125","1,000,000,000,000,000,000,000","-1,234.5","1,000","12","0","NaN","-∞","-0"]],["en-US",{"style":"currency","currency":"USD"},["$1,234,567.89","-$0.50","$0.00","$1.01","$0.13","$1,000,000,000,000,000,000,000.00","-$1,234.50","$1,000.00","$12.00","$0.00","$NaN","-$∞","-$0.00"]],["en-US",{"style":"currency","currency":"EUR"},["€1,234,567.89","-€0.50","€0.00","€1.01","€0.13","€1,000,000,000,000,000,000,000.00","-€1,234.50","€1,000.00","€12.00","€0.00","€NaN","-€∞","-€0.00"]],["en-US",{"style":"currency","currency":"JPY"},["¥1,234,568","-¥1","¥0","¥1","¥0","¥1,000,000,000,000,000,000,000","-¥1,235","¥1,000","¥12","¥0","¥NaN","-¥∞","-¥0"]],["en-US",{"style":"currency","currency":"CHF"},["CHF 1,234,567.89","-CHF 0.50","CHF 0.00","CHF 1.01","CHF 0.13","CHF 1,000,000,000,000,000,000,000.00","-CHF 1,234.50","CHF 1,000.00","CHF 12.00","CHF 0.00","CHFNaN","-CHF∞","-CHF 0.00"]],["en-US",{"style":"currency","currency":"CAD"},["CA$1,234,567.89","-CA$0.50","CA$0.00","CA$1.01","CA$0.13","CA$1,000,000,000,000,000,000,000.00","-CA$1,234.50","CA$1,000.00","CA$12.00","CA$0.00","CA$NaN","-CA$∞","-CA$0.00"]],["en-US",{"style":"currency","currency":"USD","currencyDisplay":"code"},["USD 1,234,567.89","-USD 0.50","USD 0.00","USD 1.01","USD 0.13","USD 1,000,000,000,000,000,000,000.00","-USD 1,234.50","USD 1,000.00","USD 12.00","USD 0.00","USDNaN","-USD∞","-USD 0.00"]],["en-US",{"style":"percent"},["123,456,789%","-50%","0%","101%","13%","100,000,000,000,000,000,000,000%","-123,450%","100,000%","1,200%","0%","NaN%","-∞%","-0%"]],["en-US",{"style":"percent","minimumFractionDigits":1},["123,456,789.1%","-50.0%","0.0%","100.5%","12.5%","100,000,000,000,000,000,000,000.0%","-123,450.0%","100,000.0%","1,200.0%","0.0%","NaN%","-∞%","-0.0%"]],["en-US",{"minimumFractionDigits":2},["1,234,567.891","-0.50","0.00","1.005","0.125","1,000,000,000,000,000,000,000.00","-1,234.50","1,000.00","12.00","0.00","NaN","-∞","-0.00"]],["en-US",{"maximumFractionDigits":0},["1,234,568","-1","0","1","0","1,000,000,000,000,000,000,000","-1,235","1,000","12","0","NaN","-∞","-0"]],["en-US",{"maximumFractionDigits":1},["1,234,567.9","-0.5","0","1","0.1","1,000,000,000,000,000,000,000","-1,234.5","1,000","12","0","NaN","-∞","-0"]],["en-US",{"minimumIntegerDigits":3},["1,234,567.891","-000.5","000","001.005","000.125","1,000,000,000,000,000,000,000","-1,234.5","1,000","012","000","NaN","-∞","-000"]],["en-US",{"useGrouping":false},["1234567.891","-0.5","0","1.005","0.125","1000000000000000000000","-1234.5","1000","12","0","NaN","-∞","-0"]],["en-GB",{"style":"currency","currency":"USD"},["US$1,234,567.89","-US$0.50","US$0.00","US$1.01","US$0.13","US$1,000,000,000,000,000,000,000.00","-US$1,234.50","US$1,000.00","US$12.00","US$0.00","US$NaN","-US$∞","-US$0.00"]],["en-GB",{"style":"currency","currency":"GBP"},["£1,234,567.89","-£0.50","£0.00","£1.01","£0.13","£1,000,000,000,000,000,000,000.00","-£1,234.50","£1,000.00","£12.00","£0.00","£NaN","-£∞","-£0.00"]],["de-DE",{},["1.234.567,891","-0,5","0","1,005","0,125","1.000.000.000.000.000.000.000","-1.234,5","1.000","12","0","NaN","-∞","-0"]],["de-DE",{"style":"currency","currency":"EUR"},["1.234.567,89 €","-0,50 €","0,00 €","1,01 €","0,13 €","1.000.000.000.000.000.000.000,00 €","-1.234,50 €","1.000,00 €","12,00 €","0,00 €","NaN €","-∞ €","-0,00 €"]],["de-DE",{"style":"percent"},["123.456.789 %","-50 %","0 %","101 %","13 %","100.000.000.000.000.000.000.000 %","-123.450 %","100.000 %","1.200 %","0 %","NaN %","-∞ %","-0 %"]],["fr-FR",{},["1 234 567,891","-0,5","0","1,005","0,125","1 000 000 000 000 000 000 000","-1 234,5","1 000","12","0","NaN","-∞","-0"]],["fr-FR",{"style":"currency","currency":"EUR"},["1 234 567,89 €","-0,50 €","0,00 €","1,01 €","0,13 €","1 000 000 000 000 000 000 000,00 €","-1 234,50 €","1 000,00 €","12,00 €","0,00 €","NaN €","-∞ €","-0,00 €"]],["fr-FR",{"style":"percent"},["123 456 789 %","-50 %","0 %","101 %","13 %","100 000 000 000 000 000 000 000 %","-123 450 %","100 000 %","1 200 %","0 %","NaN %","-∞ %","-0 %"]]]}"##;

/// `[style, numeric, unit, value, expected]` from Node's `Intl.RelativeTimeFormat("en")`.
const NODE_RELATIVE: &str = r##"[["long","always","second",-1,"1 second ago"],["long","always","second",0,"in 0 seconds"],["long","always","second",1,"in 1 second"],["long","always","second",3,"in 3 seconds"],["long","always","second",-2.5,"2.5 seconds ago"],["long","always","second",1000,"in 1,000 seconds"],["long","always","minute",-1,"1 minute ago"],["long","always","minute",0,"in 0 minutes"],["long","always","minute",1,"in 1 minute"],["long","always","minute",3,"in 3 minutes"],["long","always","minute",-2.5,"2.5 minutes ago"],["long","always","minute",1000,"in 1,000 minutes"],["long","always","hour",-1,"1 hour ago"],["long","always","hour",0,"in 0 hours"],["long","always","hour",1,"in 1 hour"],["long","always","hour",3,"in 3 hours"],["long","always","hour",-2.5,"2.5 hours ago"],["long","always","hour",1000,"in 1,000 hours"],["long","always","day",-1,"1 day ago"],["long","always","day",0,"in 0 days"],["long","always","day",1,"in 1 day"],["long","always","day",3,"in 3 days"],["long","always","day",-2.5,"2.5 days ago"],["long","always","day",1000,"in 1,000 days"],["long","always","week",-1,"1 week ago"],["long","always","week",0,"in 0 weeks"],["long","always","week",1,"in 1 week"],["long","always","week",3,"in 3 weeks"],["long","always","week",-2.5,"2.5 weeks ago"],["long","always","week",1000,"in 1,000 weeks"],["long","always","month",-1,"1 month ago"],["long","always","month",0,"in 0 months"],["long","always","month",1,"in 1 month"],["long","always","month",3,"in 3 months"],["long","always","month",-2.5,"2.5 months ago"],["long","always","month",1000,"in 1,000 months"],["long","always","quarter",-1,"1 quarter ago"],["long","always","quarter",0,"in 0 quarters"],["long","always","quarter",1,"in 1 quarter"],["long","always","quarter",3,"in 3 quarters"],["long","always","quarter",-2.5,"2.5 quarters ago"],["long","always","quarter",1000,"in 1,000 quarters"],["long","always","year",-1,"1 year ago"],["long","always","year",0,"in 0 years"],["long","always","year",1,"in 1 year"],["long","always","year",3,"in 3 years"],["long","always","year",-2.5,"2.5 years ago"],["long","always","year",1000,"in 1,000 years"],["long","auto","second",-1,"1 second ago"],["long","auto","second",0,"now"],["long","auto","second",1,"in 1 second"],["long","auto","second",3,"in 3 seconds"],["long","auto","second",-2.5,"2.5 seconds ago"],["long","auto","second",1000,"in 1,000 seconds"],["long","auto","minute",-1,"1 minute ago"],["long","auto","minute",0,"this minute"],["long","auto","minute",1,"in 1 minute"],["long","auto","minute",3,"in 3 minutes"],["long","auto","minute",-2.5,"2.5 minutes ago"],["long","auto","minute",1000,"in 1,000 minutes"],["long","auto","hour",-1,"1 hour ago"],["long","auto","hour",0,"this hour"],["long","auto","hour",1,"in 1 hour"],["long","auto","hour",3,"in 3 hours"],["long","auto","hour",-2.5,"2.5 hours ago"],["long","auto","hour",1000,"in 1,000 hours"],["long","auto","day",-1,"yesterday"],["long","auto","day",0,"today"],["long","auto","day",1,"tomorrow"],["long","auto","day",3,"in 3 days"],["long","auto","day",-2.5,"2.5 days ago"],["long","auto","day",1000,"in 1,000 days"],["long","auto","week",-1,"last week"],["long","auto","week",0,"this week"],["long","auto","week",1,"next week"],["long","auto","week",3,"in 3 weeks"],["long","auto","week",-2.5,"2.5 weeks ago"],["long","auto","week",1000,"in 1,000 weeks"],["long","auto","month",-1,"last month"],["long","auto","month",0,"this month"],["long","auto","month",1,"next month"],["long","auto","month",3,"in 3 months"],["long","auto","month",-2.5,"2.5 months ago"],["long","auto","month",1000,"in 1,000 months"],["long","auto","quarter",-1,"last quarter"],["long","auto","quarter",0,"this quarter"],["long","auto","quarter",1,"next quarter"],["long","auto","quarter",3,"in 3 quarters"],["long","auto","quarter",-2.5,"2.5 quarters ago"],["long","auto","quarter",1000,"in 1,000 quarters"],["long","auto","year",-1,"last year"],["long","auto","year",0,"this year"],["long","auto","year",1,"next year"],["long","auto","year",3,"in 3 years"],["long","auto","year",-2.5,"2.5 years ago"],["long","auto","year",1000,"in 1,000 years"],["short","always","second",-1,"1 sec. ago"],["short","always","second",0,"in 0 sec."],["short","always","second",1,"in 1 sec."],["short","always","second",3,"in 3 sec."],["short","always","second",-2.5,"2.5 sec. ago"],["short","always","second",1000,"in 1,000 sec."],["short","always","minute",-1,"1 min. ago"],["short","always","minute",0,"in 0 min."],["short","always","minute",1,"in 1 min."],["short","always","minute",3,"in 3 min."],["short","always","minute",-2.5,"2.5 min. ago"],["short","always","minute",1000,"in 1,000 min."],["short","always","hour",-1,"1 hr. ago"],["short","always","hour",0,"in 0 hr."],["short","always","hour",1,"in 1 hr."],["short","always","hour",3,"in 3 hr."],["short","always","hour",-2.5,"2.5 hr. ago"],["short","always","hour",1000,"in 1,000 hr."],["short","always","day",-1,"1 day ago"],["short","always","day",0,"in 0 days"],["short","always","day",1,"in 1 day"],["short","always","day",3,"in 3 days"],["short","always","day",-2.5,"2.5 days ago"],["short","always","day",1000,"in 1,000 days"],["short","always","week",-1,"1 wk. ago"],["short","always","week",0,"in 0 wk."],["short","always","week",1,"in 1 wk."],["short","always","week",3,"in 3 wk."],["short","always","week",-2.5,"2.5 wk. ago"],["short","always","week",1000,"in 1,000 wk."],["short","always","month",-1,"1 mo. ago"],["short","always","month",0,"in 0 mo."],["short","always","month",1,"in 1 mo."],["short","always","month",3,"in 3 mo."],["short","always","month",-2.5,"2.5 mo. ago"],["short","always","month",1000,"in 1,000 mo."],["short","always","quarter",-1,"1 qtr. ago"],["short","always","quarter",0,"in 0 qtrs."],["short","always","quarter",1,"in 1 qtr."],["short","always","quarter",3,"in 3 qtrs."],["short","always","quarter",-2.5,"2.5 qtrs. ago"],["short","always","quarter",1000,"in 1,000 qtrs."],["short","always","year",-1,"1 yr. ago"],["short","always","year",0,"in 0 yr."],["short","always","year",1,"in 1 yr."],["short","always","year",3,"in 3 yr."],["short","always","year",-2.5,"2.5 yr. ago"],["short","always","year",1000,"in 1,000 yr."],["short","auto","second",-1,"1 sec. ago"],["short","auto","second",0,"now"],["short","auto","second",1,"in 1 sec."],["short","auto","second",3,"in 3 sec."],["short","auto","second",-2.5,"2.5 sec. ago"],["short","auto","second",1000,"in 1,000 sec."],["short","auto","minute",-1,"1 min. ago"],["short","auto","minute",0,"this minute"],["short","auto","minute",1,"in 1 min."],["short","auto","minute",3,"in 3 min."],["short","auto","minute",-2.5,"2.5 min. ago"],["short","auto","minute",1000,"in 1,000 min."],["short","auto","hour",-1,"1 hr. ago"],["short","auto","hour",0,"this hour"],["short","auto","hour",1,"in 1 hr."],["short","auto","hour",3,"in 3 hr."],["short","auto","hour",-2.5,"2.5 hr. ago"],["short","auto","hour",1000,"in 1,000 hr."],["short","auto","day",-1,"yesterday"],["short","auto","day",0,"today"],["short","auto","day",1,"tomorrow"],["short","auto","day",3,"in 3 days"],["short","auto","day",-2.5,"2.5 days ago"],["short","auto","day",1000,"in 1,000 days"],["short","auto","week",-1,"last wk."],["short","auto","week",0,"this wk."],["short","auto","week",1,"next wk."],["short","auto","week",3,"in 3 wk."],["short","auto","week",-2.5,"2.5 wk. ago"],["short","auto","week",1000,"in 1,000 wk."],["short","auto","month",-1,"last mo."],["short","auto","month",0,"this mo."],["short","auto","month",1,"next mo."],["short","auto","month",3,"in 3 mo."],["short","auto","month",-2.5,"2.5 mo. ago"],["short","auto","month",1000,"in 1,000 mo."],["short","auto","quarter",-1,"last qtr."],["short","auto","quarter",0,"this qtr."],["short","auto","quarter",1,"next qtr."],["short","auto","quarter",3,"in 3 qtrs."],["short","auto","quarter",-2.5,"2.5 qtrs. ago"],["short","auto","quarter",1000,"in 1,000 qtrs."],["short","auto","year",-1,"last yr."],["short","auto","year",0,"this yr."],["short","auto","year",1,"next yr."],["short","auto","year",3,"in 3 yr."],["short","auto","year",-2.5,"2.5 yr. ago"],["short","auto","year",1000,"in 1,000 yr."]]"##;

fn js(script: &str) -> String {
    match run_js(vec![Arc::new(crate::WebExtension::new("test"))], script) {
        Ok(v) => v,
        Err(e) => panic!("script threw: {e}"),
    }
}

fn js_err(script: &str) -> String {
    match run_js(vec![Arc::new(crate::WebExtension::new("test"))], script) {
        Ok(v) => panic!("expected a throw, got {v}"),
        Err(e) => format!("{}: {}", e.name, e.message),
    }
}

/// Runs `check` (JS over `T`, the parsed table, returning an array of mismatches) and asserts
/// that it found none.
fn assert_no_mismatches(table: &str, check: &str) {
    let out = js(&format!("const T = {table};\n{check}"));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(
        rows.is_empty(),
        "{} mismatches:\n{}",
        rows.len(),
        rows.iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn date_time_format_matches_node_for_en_us_and_en_gb() {
    assert_no_mismatches(
        NODE_TABLE,
        r#"const bad = [];
        for (const [loc, o, t, want] of T.dt) {
            const got = new Intl.DateTimeFormat(loc, { timeZone: "UTC", ...o }).format(t);
            if (got !== want) bad.push([loc, o, t, want, got]);
        }
        return bad;"#,
    );
}

#[test]
fn date_to_locale_methods_match_node() {
    assert_no_mismatches(
        NODE_TABLE,
        r#"const bad = [];
        for (const [m, loc, o, t, want] of T.locale) {
            const got = new Date(t)[m](loc ?? undefined, { timeZone: "UTC", ...o });
            if (got !== want) bad.push([m, loc, o, t, want, got]);
        }
        return bad;"#,
    );
}

#[test]
fn number_format_matches_node() {
    assert_no_mismatches(
        NODE_TABLE,
        r#"const bad = [];
        const nums = T.nums.map(Number);
        for (const [loc, o, wants] of T.nf) {
            const f = new Intl.NumberFormat(loc, o);
            nums.forEach((x, i) => { const got = f.format(x); if (got !== wants[i]) bad.push([loc, o, x, wants[i], got]); });
        }
        return bad;"#,
    );
}

#[test]
fn relative_time_format_matches_node() {
    assert_no_mismatches(
        NODE_RELATIVE,
        r#"const bad = [];
        for (const [style, numeric, unit, v, want] of T) {
            const got = new Intl.RelativeTimeFormat("en", { style, numeric }).format(v, unit);
            if (got !== want) bad.push([style, numeric, unit, v, want, got]);
        }
        return bad;"#,
    );
}

#[test]
fn new_york_epoch_prints_as_in_v8() {
    let out = js(
        r#"return [new Date(0).toLocaleString("en-US", { timeZone: "America/New_York" }),
        new Intl.DateTimeFormat().resolvedOptions().timeZone, (1234.5).toLocaleString(), (1234.5).toLocaleString("de-DE"),
        new Date(NaN).toLocaleString(), (12345678901234567890n).toLocaleString("en-US")];"#,
    );
    assert_eq!(
        out,
        r#"["12/31/1969, 7:00:00 PM","UTC","1,234.5","1.234,5","Invalid Date","12,345,678,901,234,567,890"]"#
    );
}

#[test]
fn resolved_options_match_node() {
    let out = js(r#"return [
        new Intl.DateTimeFormat("en-US").resolvedOptions(),
        new Intl.DateTimeFormat("en-US", { hour: "numeric", minute: "numeric", timeZone: "america/new_york" }).resolvedOptions(),
        new Intl.DateTimeFormat("en-US", { dateStyle: "short", timeStyle: "long" }).resolvedOptions(),
        new Intl.DateTimeFormat("en-GB", { hour: "numeric" }).resolvedOptions(),
        new Intl.DateTimeFormat("xx-YY").resolvedOptions().locale,
        new Intl.DateTimeFormat("en", { timeZone: "Etc/UTC" }).resolvedOptions().timeZone,
        new Intl.NumberFormat("en-US", { style: "currency", currency: "eur" }).resolvedOptions(),
    ];"#);
    let node = [
        r#"{"locale":"en-US","calendar":"gregory","numberingSystem":"latn","timeZone":"UTC","year":"numeric","month":"numeric","day":"numeric"}"#,
        r#"{"locale":"en-US","calendar":"gregory","numberingSystem":"latn","timeZone":"America/New_York","hourCycle":"h12","hour12":true,"hour":"numeric","minute":"2-digit"}"#,
        r#"{"locale":"en-US","calendar":"gregory","numberingSystem":"latn","timeZone":"UTC","hourCycle":"h12","hour12":true,"dateStyle":"short","timeStyle":"long"}"#,
        r#"{"locale":"en-GB","calendar":"gregory","numberingSystem":"latn","timeZone":"UTC","hourCycle":"h23","hour12":false,"hour":"2-digit"}"#,
        r#""en-US""#,
        r#""UTC""#,
        r#"{"locale":"en-US","numberingSystem":"latn","style":"currency","currency":"EUR","currencyDisplay":"symbol","currencySign":"standard","minimumIntegerDigits":1,"minimumFractionDigits":2,"maximumFractionDigits":2,"useGrouping":"auto","notation":"standard","signDisplay":"auto","roundingMode":"halfExpand","roundingIncrement":1,"trailingZeroDisplay":"auto","roundingPriority":"auto"}"#,
    ];
    assert_eq!(out, format!("[{}]", node.join(",")));
}

#[test]
fn format_to_parts_matches_node() {
    let out = js(r#"return [
        new Intl.DateTimeFormat("en-US", { timeZone: "America/New_York", dateStyle: "medium", timeStyle: "full" }).formatToParts(0),
        new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).formatToParts(-1234.5),
        new Intl.NumberFormat("en-US", { style: "percent" }).formatToParts(0.25),
        new Intl.RelativeTimeFormat("en").formatToParts(-1234, "day"),
    ];"#);
    let node = [
        r#"[{"type":"month","value":"Dec"},{"type":"literal","value":" "},{"type":"day","value":"31"},{"type":"literal","value":", "},{"type":"year","value":"1969"},{"type":"literal","value":", "},{"type":"hour","value":"7"},{"type":"literal","value":":"},{"type":"minute","value":"00"},{"type":"literal","value":":"},{"type":"second","value":"00"},{"type":"literal","value":" "},{"type":"dayPeriod","value":"PM"},{"type":"literal","value":" "},{"type":"timeZoneName","value":"Eastern Standard Time"}]"#,
        r#"[{"type":"minusSign","value":"-"},{"type":"currency","value":"$"},{"type":"integer","value":"1"},{"type":"group","value":","},{"type":"integer","value":"234"},{"type":"decimal","value":"."},{"type":"fraction","value":"50"}]"#,
        r#"[{"type":"integer","value":"25"},{"type":"percentSign","value":"%"}]"#,
        r#"[{"type":"integer","value":"1","unit":"day"},{"type":"group","value":",","unit":"day"},{"type":"integer","value":"234","unit":"day"},{"type":"literal","value":" days ago"}]"#,
    ];
    assert_eq!(out, format!("[{}]", node.join(",")));
}

#[test]
fn format_is_a_bound_getter() {
    let out = js(r#"const f = new Intl.NumberFormat("en-US").format;
        const d = new Intl.DateTimeFormat("en-US", { month: "short" });
        return [[1000, 2000].map(f), [0].map(d.format), f === new Intl.NumberFormat("en-US").format, typeof Intl, Object.prototype.toString.call(Intl)];"#);
    assert_eq!(
        out,
        r#"[["1,000","2,000"],["Jan"],false,"object","[object Intl]"]"#
    );
}

#[test]
fn invalid_options_throw_the_v8_errors() {
    let cases = [
        (
            r#"new Intl.DateTimeFormat("en", { timeZone: "Mars/Base" })"#,
            "RangeError: Invalid time zone specified: Mars/Base",
        ),
        (
            r#"new Intl.DateTimeFormat("en", { month: "huge" })"#,
            "RangeError: Value huge out of range for Intl.DateTimeFormat options property month",
        ),
        (
            r#"new Intl.DateTimeFormat("en", { dateStyle: "short", month: "long" })"#,
            "TypeError: Can't set option month when dateStyle is used",
        ),
        (
            r#"new Intl.DateTimeFormat("en").format(NaN)"#,
            "RangeError: Invalid time value",
        ),
        (
            r#"new Intl.NumberFormat("en", { style: "currency" })"#,
            "TypeError: Currency code is required with currency style.",
        ),
        (
            r#"new Intl.NumberFormat("en", { style: "currency", currency: "dollars" })"#,
            "RangeError: Invalid currency code : dollars",
        ),
        (
            r#"new Intl.NumberFormat("en", { maximumFractionDigits: 101 })"#,
            "RangeError: maximumFractionDigits value is out of range.",
        ),
        (
            r#"new Intl.NumberFormat("en", { style: "bogus" })"#,
            "RangeError: Value bogus out of range for Intl.NumberFormat options property style",
        ),
        (
            r#"Intl.getCanonicalLocales("en_US")"#,
            "RangeError: Incorrect locale information provided",
        ),
        (
            r#"new Intl.RelativeTimeFormat("en").format(1, "fortnight")"#,
            "RangeError: Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() 'fortnight'",
        ),
        (
            r#"Intl.supportedValuesOf("bogus")"#,
            "RangeError: Invalid key : bogus",
        ),
    ];
    for (script, want) in cases {
        assert_eq!(js_err(script), want, "{script}");
    }
}

#[test]
fn locales_canonicalize_and_support_is_reported() {
    let out = js(
        r#"return [Intl.getCanonicalLocales(["EN-us", "en-US", "de", "zh-hant-tw"]),
        Intl.DateTimeFormat.supportedLocalesOf(["en-GB", "de-DE"]), Intl.NumberFormat.supportedLocalesOf(["de-DE", "ja-JP"]),
        Intl.supportedValuesOf("timeZone").includes("America/New_York"), Intl.supportedValuesOf("calendar"),
        new Intl.NumberFormat("de-DE").resolvedOptions().locale, new Intl.NumberFormat("ja-JP").resolvedOptions().locale];"#,
    );
    assert_eq!(
        out,
        r#"[["en-US","de","zh-Hant-TW"],["en-GB"],["de-DE"],true,["gregory"],"de-DE","en-US"]"#
    );
}

#[test]
fn collator_orders_like_icu_for_common_cases() {
    // Node: ["a","A","á","ä","a10","a2","b","B","éa","eb","z","Z"], ["a1","a2","a10"], 0, 0, -1.
    let out = js(
        r#"return [["b","a","B","A","á","ä","a10","a2","Z","z","éa","eb"].sort(new Intl.Collator("en").compare),
        ["a10","a2","a1"].sort(new Intl.Collator("en", { numeric: true }).compare),
        new Intl.Collator("en", { sensitivity: "base" }).compare("a", "Á"),
        new Intl.Collator("en", { sensitivity: "accent" }).compare("a", "A"),
        new Intl.Collator("en", { sensitivity: "accent" }).compare("a", "á"),
        new Intl.Collator("en").resolvedOptions()];"#,
    );
    assert_eq!(
        out,
        r#"[["a","A","á","ä","a10","a2","b","B","éa","eb","z","Z"],["a1","a2","a10"],0,0,-1,{"locale":"en","usage":"sort","sensitivity":"variant","ignorePunctuation":false,"collation":"default","numeric":false,"caseFirst":"false"}]"#
    );
}

#[test]
fn plural_rules_select_english_categories() {
    let out = js(
        r#"const c = new Intl.PluralRules("en"), o = new Intl.PluralRules("en-US", { type: "ordinal" });
        return [[0, 1, 2, 1.5].map((n) => c.select(n)), [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101].map((n) => o.select(n)), c.resolvedOptions()];"#,
    );
    assert_eq!(
        out,
        r#"[["other","one","other","other"],["one","two","few","other","other","other","other","one","two","few","one"],{"locale":"en","type":"cardinal","minimumIntegerDigits":1,"minimumFractionDigits":0,"maximumFractionDigits":3,"pluralCategories":["one","other"]}]"#
    );
}
