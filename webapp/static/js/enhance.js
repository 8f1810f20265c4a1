// Loaded in <head> before the page is drawn: marks that scripts run, so styles meant for them apply
// from the first paint (a file, not an inline script: the Content-Security-Policy allows no inline code).
document.documentElement.classList.add("js");
