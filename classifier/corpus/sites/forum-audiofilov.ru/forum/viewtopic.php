<!DOCTYPE html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Где покупать музыку? — Форум аудиофилов</title>

<link rel="stylesheet" href="/static/css/main.css">
</head>
<body class="page">
<header class="site-header"><div class="container"><nav class="main-nav"><a href="/">Home</a></nav></div></header>
<main class="container content">

<h2>Где покупать музыку?</h2>
<div class="post"><b>sergey_k</b> 12.09.2007<br>Кто-нибудь покупал на mp3sparks? Я пополнял через WebMoney 10$, альбомы там по 1,5$, есть FLAC.<br>Сообщений: 341</div>
<div class="post"><b>audiofil</b> 12.09.2007<br>Брал там пару раз, качество нормальное. Но лицензия РОМС у них липовая.<br>Сообщений: 1208</div>

</main>
<footer class="site-footer"><div class="container"><!--LiveInternet counter--><a href="//www.liveinternet.ru/click" target="_blank"><img src="//counter.yadro.ru/hit?t44.6;r" alt="" width="31" height="31"></a><!--/LiveInternet--></div></footer>
<script src="/static/js/app.js" defer></script>
</body>
</html>
