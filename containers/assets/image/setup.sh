#!/bin/sh
# Runs inside the freshly bootstrapped root file system (an mmdebstrap
# customize hook) and turns Debian's WordPress layout into the one the
# official image has, so every scenario sees /var/www/html/wp-config.php.
set -eu

# Debian's wp-config.php is an indirection to /etc/wordpress and many files
# are (absolute) symlinks; copying with -L inside the root resolves them.
rm -rf /var/www/html
mkdir -p /var/www/html
cp -aL /usr/share/wordpress/. /var/www/html/
rm -f /var/www/html/wp-config.php /var/www/html/.htaccess /var/www/html/index.html
mkdir -p /var/www/html/wp-content/uploads /var/www/html/wp-content/mu-plugins \
	/var/www/html/wp-content/upgrade
chown -R www-data:www-data /var/www/html

# A MariaDB data directory made once here saves every stack start the two
# seconds mariadb-install-db takes; credentials are set per run by bd-db.
# mariadb-install-db wants a resolvable localhost, which minbase lacks.
[ -s /etc/hosts ] || printf '127.0.0.1 localhost\n::1 localhost\n' > /etc/hosts
rm -rf /var/lib/mysql
install -d -o mysql -g mysql /var/lib/mysql /run/mysqld
mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
	--auth-root-authentication-method=socket --skip-name-resolve >/dev/null
# Kept as a template: the stack mounts a tmpfs on /var/lib/mysql (the
# image's own layers sit on slow storage), and bd-db copies it in.
mv /var/lib/mysql /usr/local/share/breachdrill/mysql-datadir
install -d -o mysql -g mysql /var/lib/mysql

a2enmod -q rewrite
# ModSecurity and the Core Rule Set are installed but off until a stack asks
# for a WAF mode; Debian ships only the recommended configuration.
cp /etc/modsecurity/modsecurity.conf-recommended /etc/modsecurity/modsecurity.conf
a2dismod -q security2
a2disconf -q other-vhosts-access-log
install -d -m 0755 /var/log/breachdrill /var/lib/breachdrill /docker-entrypoint-initdb.d

# The reset point's copy of the docroot, made once here: taking the reset
# point at stack start then copies only the files the start changed, not
# all 60 MB (about 2.5 s of every start on 2 cores).
cp -a /var/www/html /var/lib/breachdrill/docroot

rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log
