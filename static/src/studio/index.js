// The studio's models page: follow a training over the /studio namespace.
// The server sends "training" ({version, stage, step, done, total}) for each step and
// "trained" ({version, status, error}) at the end; the page then reloads to show the
// new version with its scores. Without JavaScript the page still works (reload it).
import { io } from "socket.io-client";

const box = document.querySelector("[data-role=training]");
if (box) {
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-role=step]");
  const socket = io("/studio", { transports: ["websocket", "polling"] });
  socket.on("training", (step) => {
    box.hidden = false;
    const stages = ["train", "evaluate"];
    const share = step.total ? step.done / step.total : 1;
    bar.value = (stages.indexOf(step.stage) + share) / stages.length;
    label.textContent = `#${step.version} ${step.stage}: ${step.step} ${step.done}/${step.total}`;
  });
  socket.on("trained", () => window.location.reload());
}
