// @ts-check
/** The home page's links to trends, the team (coaches and admins) and studies. */

import { currentSession } from "./common.js";
import { showTeamLink } from "./insights-nav.js";

currentSession().then((info) => {
  if (info.user) showTeamLink(info.user);
});
