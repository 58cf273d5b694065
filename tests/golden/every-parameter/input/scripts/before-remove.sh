# before_remove: no shebang, run with sh
systemctl stop hello || :
