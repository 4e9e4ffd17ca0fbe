"""The HTTP side of the kit: a Voilà server with a real login.

``app``       the Voilà application subclass and :func:`app.serve`
``auth``      the identity provider (login cookie, password check) and the
              login/logout pages
``hooks``     the prelaunch hook that authorises an app and hands the person to
              the app kernel
``handlers``  the kit's own routes (start redirect, health, blocked Voilà routes)
"""
