// Draws the charts whose Plotly figure came inline in the page (TrackerChart with Inline), without waiting for Blazor
// or a circuit: the overview's lead chart appears as soon as its HTML and Plotly are in.
//
// Loaded async from <head>, so it can run before the body has streamed in: a MutationObserver picks figures up as they
// arrive (first flush, Blazor's streamed updates, enhanced navigation). A figure's element carries data-permanent, so
// Blazor's page updates leave a drawing of unchanged data alone; one that arrives empty is drawn again.
(() => {
    'use strict';
    const figures = 'script[type="application/json"][data-figure-for]';
    const plotlySrc = '_content/Plotly.Blazor/plotly-basic-3.7.0.min.js';
    let loading = false;

    function loadPlotly() {
        if (window.Plotly || loading) {
            return;
        }

        loading = true;
        const script = document.createElement('script');
        script.src = document.baseURI.replace(/[^/]*$/, '') + plotlySrc;
        script.async = true;
        script.onload = drawPending;
        script.onerror = () => console.warn('first-paint: Plotly did not load; the chart stays empty');
        document.head.appendChild(script);
    }

    function drawPending() {
        const pending = [...document.querySelectorAll(figures)]
            .map(json => ({ json, target: document.getElementById(json.dataset.figureFor) }))
            .filter(f => f.target && !f.target.querySelector('.main-svg'));
        if (pending.length === 0) {
            return;
        }

        if (!window.Plotly) {
            loadPlotly();
            return;
        }

        for (const { json, target } of pending) {
            const figure = JSON.parse(json.textContent);
            window.Plotly.newPlot(target, figure.data, figure.layout, figure.config);
        }
    }

    new MutationObserver(drawPending).observe(document.documentElement, { childList: true, subtree: true });
    drawPending();
})();
